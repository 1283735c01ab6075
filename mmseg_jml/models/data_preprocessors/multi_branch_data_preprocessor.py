"""Branch-wise preprocessing of semi-supervised batches (MMDetection's
``MultiBranchDataPreprocessor``, for MMSeg)."""
from typing import Dict, List, Optional

from mmengine.model import BaseDataPreprocessor
from mmseg.registry import MODELS
from mmseg.utils import ConfigType

__all__ = ['MultiBranchDataPreprocessor']


@MODELS.register_module()
class MultiBranchDataPreprocessor(BaseDataPreprocessor):
    """Preprocess each branch of a multi-branch batch on its own.

    A training batch built by
    :class:`~mmseg_jml.datasets.transforms.MultiBranch` and
    ``pseudo_collate`` is ``{'inputs': {branch: [img or None, ...]},
    'data_samples': {branch: [sample or None, ...]}}``: a labelled sample
    fills only ``sup``, an unlabelled one ``unsup_teacher`` and
    ``unsup_student``. Each branch's non-None entries go through the wrapped
    preprocessor (normalisation, padding to the crop size, ...) on their
    own, and a branch without entries is dropped. The result is
    ``{'inputs': {branch: Tensor}, 'data_samples': {branch: list}}``.
    Outside training (and for a batch that is not multi-branch) the wrapped
    preprocessor runs as usual.

    Args:
        data_preprocessor (ConfigType): The preprocessor of a single branch,
            e.g. ``dict(type='SegDataPreProcessor', ...)``.

    Raises:
        TypeError: If ``data_preprocessor`` is not a config dict.
    """

    def __init__(self, data_preprocessor: ConfigType) -> None:
        super().__init__()
        if not isinstance(data_preprocessor, dict):
            raise TypeError(f'expected data_preprocessor to be a config dict, '
                            f'got {type(data_preprocessor).__name__}')
        self.data_preprocessor = MODELS.build(data_preprocessor)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Preprocess a batch, branch by branch when it has branches.

        Args:
            data (dict): The collated batch.
            training (bool): Whether the batch is a training batch. Defaults
                to False.

        Returns:
            dict: ``inputs`` and ``data_samples``, per branch for a
            multi-branch training batch.

        Raises:
            ValueError: If a branch has images without samples or the other
                way round.
        """
        if not training or not isinstance(data.get('inputs'), dict):
            return self.data_preprocessor(data, training)
        inputs: Dict[str, object] = {}
        samples: Dict[str, List] = {}
        for branch, branch_inputs in data['inputs'].items():
            branch_samples = data['data_samples'][branch]
            kept = [(i, s) for i, s in zip(branch_inputs, branch_samples)
                    if i is not None or s is not None]
            if any(i is None or s is None for i, s in kept):
                raise ValueError(f'expected every {branch!r} entry to have '
                                 f'both an image and a data sample, got one '
                                 f'without the other')
            if not kept:
                continue
            out = self.data_preprocessor(
                dict(
                    inputs=[i for i, _ in kept],
                    data_samples=[s for _, s in kept]), training)
            inputs[branch] = out['inputs']
            samples[branch] = out['data_samples']
        return dict(inputs=inputs, data_samples=samples)

    @property
    def device(self) -> Optional[object]:
        """The wrapped preprocessor's device."""
        return self.data_preprocessor.device
