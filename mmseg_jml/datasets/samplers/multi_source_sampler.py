r"""Batches drawn from several datasets in a fixed ratio, in epochs.

MMDetection's ``MultiSourceSampler`` forms every batch from the sources of a
``ConcatDataset`` in a fixed ratio but is infinite. AugSeg counts epochs
over the *unlabelled* set (its labelled list is tiled to the same length),
and its EMA rule and evaluation are per epoch. :class:`EpochMultiSourceSampler`
does both: fixed per-source counts in every batch, and a finite epoch whose
length is set by one source.
"""
import math
from typing import Iterator, List, Optional, Sequence

import torch
from mmengine.dataset import ConcatDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

__all__ = ['EpochMultiSourceSampler', 'source_counts']


def source_counts(batch_size: int, source_ratio: Sequence[float]) -> List[int]:
    r"""Per-source counts of a batch (MMDetection's rule).

    .. math::

        n_i = \Bigl\lfloor B\,\frac{r_i}{\sum_j r_j} \Bigr\rfloor
        \quad (i \ge 1), \qquad n_0 = B - \sum_{i \ge 1} n_i

    Args:
        batch_size (int): Batch size ``B`` per process.
        source_ratio (Sequence[float]): Non-negative ratios ``r_i``.

    Returns:
        list[int]: The counts, summing to ``B``.
    """
    total = float(sum(source_ratio))
    counts = [int(batch_size * r / total) for r in source_ratio]
    counts[0] = batch_size - sum(counts[1:])
    return counts


@DATA_SAMPLERS.register_module()
class EpochMultiSourceSampler(Sampler):
    r"""Fixed-ratio batches from the sources of a ``ConcatDataset``, by
    epoch, in distributed and single-process runs.

    Every batch of a process holds :func:`source_counts` samples of each
    source, source after source (e.g. 8 labelled then 8 unlabelled). The
    epoch is set by ``epoch_source`` :math:`s` (the unlabelled set, as in
    AugSeg): its :math:`N_s` indices are shuffled (seed + epoch, the same on
    every process), padded by wrapping to a multiple of the world size
    :math:`W` and dealt to the processes (as ``DistributedSampler``), which
    gives :math:`T = \lfloor \lceil N_s / W \rceil / n_s \rfloor` batches
    per process and epoch (incomplete batches are dropped). Every other
    source is cycled: concatenated independent permutations, dealt the same
    way, as many as :math:`T` batches need (each labelled image is seen
    equally often, up to one). Set the dataloader's ``batch_size`` to
    ``batch_size``.

    Args:
        dataset (ConcatDataset): The sources, in order.
        batch_size (int): Samples per batch and process.
        source_ratio (Sequence[float]): Ratio of the sources in a batch.
        epoch_source (int): Index of the source whose size sets the epoch.
            Defaults to -1 (the last).
        shuffle (bool): Whether to shuffle. Defaults to True.
        seed (int, optional): Shuffling seed, identical on all processes;
            None synchronises a random one. Defaults to None.

    Raises:
        TypeError: If ``dataset`` is not a ``ConcatDataset``.
        ValueError: On a ratio of the wrong length or with negative entries,
            a source without samples in the batch, an empty source, or an
            epoch of zero batches.
    """

    def __init__(self,
                 dataset: ConcatDataset,
                 batch_size: int,
                 source_ratio: Sequence[float],
                 epoch_source: int = -1,
                 shuffle: bool = True,
                 seed: Optional[int] = None) -> None:
        if not hasattr(dataset, 'cumulative_sizes'):
            raise TypeError(f'expected a ConcatDataset of the sources, got '
                            f'{type(dataset).__name__}')
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) \
                or batch_size < 1:
            raise ValueError(f'expected batch_size to be a positive int, got '
                             f'{batch_size!r}')
        sizes = [len(d) for d in dataset.datasets]
        if len(source_ratio) != len(sizes) or any(
                isinstance(r, bool) or not isinstance(r, (int, float))
                or r < 0 for r in source_ratio):
            raise ValueError(f'expected {len(sizes)} non-negative ratios (one '
                             f'per source), got {list(source_ratio)}')
        counts = source_counts(batch_size, source_ratio)
        if any(c < 1 for c in counts):
            raise ValueError(f'expected every source in every batch, got '
                             f'counts {counts} for batch_size {batch_size} '
                             f'and ratio {list(source_ratio)}')
        if any(size == 0 for size in sizes):
            raise ValueError(f'expected non-empty sources, got sizes {sizes}')
        if not -len(sizes) <= epoch_source < len(sizes):
            raise ValueError(f'expected epoch_source in [-{len(sizes)}, '
                             f'{len(sizes)}), got {epoch_source}')
        self.rank, self.world_size = get_dist_info()
        self.dataset = dataset
        self.batch_size = batch_size
        self.source_ratio = list(source_ratio)
        self.counts = counts
        self.sizes = sizes
        self.offsets = [0] + list(dataset.cumulative_sizes[:-1])
        self.epoch_source = epoch_source % len(sizes)
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        per_rank = math.ceil(sizes[self.epoch_source] / self.world_size)
        self.num_batches = per_rank // counts[self.epoch_source]
        if self.num_batches < 1:
            raise ValueError(
                f'expected at least one batch per epoch, got '
                f'{sizes[self.epoch_source]} samples of source '
                f'{self.epoch_source} for {self.world_size} process(es) x '
                f'{counts[self.epoch_source]} per batch')

    def _source_indices(self, source: int,
                        generator: torch.Generator) -> List[int]:
        """This process's indices of one source for the epoch."""
        size = self.sizes[source]

        def order() -> torch.Tensor:
            return torch.randperm(size, generator=generator) \
                if self.shuffle else torch.arange(size)

        if source == self.epoch_source:  # one order, padded by wrapping
            needed = math.ceil(size / self.world_size) * self.world_size
            chunks = [order()] * math.ceil(needed / size)
        else:  # fresh permutations, as many as the epoch needs
            needed = self.num_batches * self.counts[source] * self.world_size
            chunks = [order() for _ in range(math.ceil(needed / size))]
        indices = torch.cat(chunks)[:needed][self.rank::self.world_size]
        return (indices + self.offsets[source]).tolist()

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        streams = [
            self._source_indices(source, generator)
            for source in range(len(self.sizes))
        ]
        for batch in range(self.num_batches):
            for source, count in enumerate(self.counts):
                yield from streams[source][batch * count:(batch + 1) * count]

    def __len__(self) -> int:
        """Indices per process and epoch (``batches x batch_size``)."""
        return self.num_batches * self.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (reshuffles every source).

        Args:
            epoch (int): The epoch.
        """
        self.epoch = epoch
