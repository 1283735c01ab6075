"""Packing of soft label maps into MMSeg data samples.

Who reads the packed soft map
-----------------------------
:class:`PackSoftSegInputs` stores the soft map in
``data_sample.gt_soft_sem_seg``, a field that only this package's
:class:`~mmseg_jml.models.segmentors.SoftLabelEncoderDecoder` reads; a plain
``EncoderDecoder`` trains on ``gt_sem_seg`` alone. Neither the transform
(which may run in a dataloader worker) nor MMSeg's segmentor can tell the
other about it, so the check sits at the one point both flows share in the
model's process: MMEngine's data preprocessor moves every data element of
the batch to the model's device (``BaseDataPreprocessor.cast_data`` calls
``.to()``), and the soft map is a :class:`SoftLabelPixelData`, whose ``to``
checks that a segmentor that reads soft maps (one that called
:func:`register_soft_label_consumer`, as ``SoftLabelEncoderDecoder`` does
when it is built) is alive in this process. If none is, it warns once per
process that the soft maps are unused.
"""
import warnings
import weakref
from typing import Sequence

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS
from torch import nn

from .loading import COORD_OFFSET, SOFT_COL_KEY, SOFT_MAP_KEY, SOFT_ROW_KEY

__all__ = [
    'PackSoftSegInputs', 'SoftLabelPixelData', 'gather_soft_label_map',
    'register_soft_label_consumer'
]

#: Segmentors alive in this process that read ``gt_soft_sem_seg``.
_SOFT_LABEL_CONSUMERS: 'weakref.WeakSet[nn.Module]' = weakref.WeakSet()
#: Whether the "soft maps unused" warning was given in this process.
_WARNED_UNUSED = False


def register_soft_label_consumer(model: nn.Module) -> None:
    """Declare a model that reads the packed soft maps (``gt_soft_sem_seg``).

    Called by the segmentors that train on them when they are built; the
    registry holds weak references (a deleted model no longer counts).

    Args:
        model (nn.Module): The segmentor.

    Raises:
        TypeError: If ``model`` is not an ``nn.Module``.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f'expected an nn.Module, got {type(model).__name__}')
    _SOFT_LABEL_CONSUMERS.add(model)


def _warn_if_soft_labels_unused() -> None:
    global _WARNED_UNUSED
    if _WARNED_UNUSED or len(_SOFT_LABEL_CONSUMERS) > 0:
        return
    _WARNED_UNUSED = True
    warnings.warn(
        'PackSoftSegInputs packed a soft label map (gt_soft_sem_seg), but no '
        'segmentor in this process reads it: a plain EncoderDecoder trains '
        'on the hard labels (gt_sem_seg) only. To train on the soft maps, '
        "use model=dict(type='SoftLabelEncoderDecoder', ...) with "
        'soft-target losses; otherwise pack with PackSegInputs. (Warned '
        'once per process.)', UserWarning, stacklevel=3)


class SoftLabelPixelData(PixelData):
    """The ``PixelData`` of a packed soft label map.

    Behaves exactly like ``PixelData``; its ``to`` (called by the data
    preprocessor in the model's process) warns once per process when no
    segmentor there reads soft maps (see the module docstring).
    ``metainfo['ignore_index']`` records the hard label that
    :class:`PackSoftSegInputs` zeroed.
    """

    def to(self, *args, **kwargs) -> 'SoftLabelPixelData':
        """``PixelData.to``, after the unused-soft-map check.

        Args:
            *args: Positional arguments of ``Tensor.to``.
            **kwargs: Keyword arguments of ``Tensor.to``.

        Returns:
            SoftLabelPixelData: The converted copy.
        """
        _warn_if_soft_labels_unused()
        return super().to(*args, **kwargs)


_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
              'pad_shape', 'scale_factor', 'flip', 'flip_direction',
              'reduce_zero_label')


def _check_label_padding(results: dict, label_shape: tuple,
                         soft_shape: tuple) -> None:
    """Raise unless MMCV's ``Pad`` explains a label larger than the soft
    map (it pads ``gt_seg_map`` only and records the padded size)."""
    padded = 'pad_fixed_size' in results or 'pad_size_divisor' in results
    pad_shape = results.get('pad_shape', None)
    if padded and pad_shape is not None and tuple(
            pad_shape[:2]) == tuple(label_shape):
        return
    raise ValueError(
        f'expected the soft label map to have the (H, W) of gt_seg_map '
        f'{tuple(label_shape)} or padding metadata (pad_shape '
        f'{tuple(label_shape)} and pad_fixed_size / pad_size_divisor, as '
        f'set by Pad) explaining the difference, got {tuple(soft_shape)} '
        f'with pad_shape={pad_shape}: a transform resized or padded '
        'gt_seg_map without going through seg_fields (e.g. a transform '
        'from outside the mmseg scope)')


def gather_soft_label_map(results: dict,
                          ignore_index: int = 255) -> np.ndarray:
    """The soft label map at the current (augmented) geometry of a sample.

    Reads the soft map and coordinate maps written by
    :class:`~mmseg_jml.datasets.transforms.LoadSoftLabelMap` (and moved by
    the geometric transforms) and gathers, for every output pixel, the soft
    vector of the original pixel it comes from. Then, so that the hard label
    stays the reference for which pixels count:

    - pixels whose hard label is ``ignore_index`` get an all-zero vector
      (= not counted by the soft-target losses);
    - pixels filled by a transform (rotation border, cut-out) but labelled
      with a class get that class's one-hot vector;
    - if ``RandomFlip(swap_seg_labels=...)`` swapped label pairs, the same
      channel pairs are swapped;
    - if the hard label was padded (MMCV's ``Pad`` pads only
      ``gt_seg_map``, at the bottom/right, and records ``pad_shape``,
      ``pad_fixed_size`` and ``pad_size_divisor``), the soft map is padded
      alike. A hard label larger than the soft map without that padding
      metadata, or with a ``pad_shape`` of another size, means that a
      transform changed the label alone: an error.

    The soft vectors keep the stored dtype (float16 maps stay half
    precision until the loss).

    Args:
        results (dict): Result dict of the pipeline.
        ignore_index (int): Label of uncounted pixels. Defaults to 255.

    Returns:
        np.ndarray: Array of shape (C, H, W) in the soft map's floating
        dtype, H and W those of the hard label (or of the coordinate maps
        when there is no label).

    Raises:
        KeyError: If the coordinate maps are missing.
        ValueError: On inconsistent shapes (a label resized or cropped
            without the soft map, a label padded without padding
            metadata), a sample mixed from several images
            (``RandomMosaic``), or a filled pixel labelled with a class
            outside ``[0, C)``.
    """
    if 'mix_results' in results:
        raise ValueError(
            'expected no mixed samples with a soft label map, got '
            '"mix_results" (RandomMosaic is not supported with soft labels)')
    if SOFT_ROW_KEY not in results or SOFT_COL_KEY not in results:
        raise KeyError(
            f'expected "{SOFT_ROW_KEY}" and "{SOFT_COL_KEY}" next to '
            f'"{SOFT_MAP_KEY}": load soft maps with LoadSoftLabelMap, got '
            f'keys {sorted(results)}')
    soft = results[SOFT_MAP_KEY]
    rows = results[SOFT_ROW_KEY].astype(np.int64)
    cols = results[SOFT_COL_KEY].astype(np.int64)
    if rows.ndim != 2 or rows.shape != cols.shape:
        raise ValueError(f'expected (H, W) coordinate maps of equal shape, '
                         f'got {rows.shape} and {cols.shape}')
    label = results.get('gt_seg_map', None)
    if label is not None:
        label = np.asarray(label)
        if label.ndim != 2:
            raise ValueError(f'expected a (H, W) gt_seg_map with a soft '
                             f'label map, got shape {label.shape}')
        lh, lw = label.shape
        h, w = rows.shape
        if lh < h or lw < w:
            raise ValueError(
                f'expected the soft label map to have the (H, W) of '
                f'gt_seg_map {label.shape}, got {rows.shape}: a transform '
                'changed gt_seg_map without going through seg_fields')
        if (lh, lw) != (h, w):
            _check_label_padding(results, label.shape, rows.shape)
            pad = ((0, lh - h), (0, lw - w))
            rows = np.pad(rows, pad, constant_values=0)
            cols = np.pad(cols, pad, constant_values=0)
    filled = (rows < COORD_OFFSET) | (cols < COORD_OFFSET)
    rows = np.where(filled, 0, rows - COORD_OFFSET)
    cols = np.where(filled, 0, cols - COORD_OFFSET)
    out = np.asarray(soft[:, rows, cols])
    if not np.issubdtype(out.dtype, np.floating):
        raise TypeError(f'expected a floating-point soft label map, got '
                        f'{out.dtype}')
    num_classes = out.shape[0]
    pairs = results.get('swap_seg_labels', None)
    if pairs:
        for a, b in pairs:
            out[[a, b]] = out[[b, a]]
    if label is None:
        out[:, filled] = 0.0
        return out
    ignored = label == ignore_index
    filled_counted = filled & ~ignored
    if filled_counted.any():
        classes = label[filled_counted].astype(np.int64)
        if classes.min() < 0 or classes.max() >= num_classes:
            raise ValueError(
                f'expected labels in [0, {num_classes}) at filled pixels, '
                f'got {np.unique(classes)[:10].tolist()}')
        out[:, filled_counted] = np.eye(num_classes, dtype=out.dtype)[
            classes].T
    out[:, ignored] = 0.0
    return out


@TRANSFORMS.register_module()
class PackSoftSegInputs(PackSegInputs):
    """:class:`~mmseg.datasets.transforms.PackSegInputs` plus soft labels.

    When the sample carries a soft label map (loaded by
    :class:`~mmseg_jml.datasets.transforms.LoadSoftLabelMap`), it is
    gathered at the augmented geometry (:func:`gather_soft_label_map`) and
    packed as ``data_sample.gt_soft_sem_seg``, a :class:`SoftLabelPixelData`
    whose ``data`` is a (C, H, W) tensor aligned with ``gt_sem_seg``, in the
    stored dtype (float16 maps stay half precision until the loss), and
    whose ``metainfo['ignore_index']`` is ``ignore_index`` (the segmentor
    checks it against its heads'). Only
    :class:`~mmseg_jml.models.segmentors.SoftLabelEncoderDecoder` reads the
    soft map; with any other segmentor a warning says so, once per process
    (see the module docstring). Without a soft map it behaves exactly like
    ``PackSegInputs``.

    Args:
        meta_keys (Sequence[str]): Meta keys to pack, as in
            ``PackSegInputs``. Defaults to ``('img_path', 'seg_map_path',
            'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
            'flip_direction', 'reduce_zero_label')``.
        ignore_index (int): Hard label of uncounted pixels; the soft map is
            all-zero there. Must equal the ``ignore_index`` of the model's
            heads. Defaults to 255.

    Raises:
        TypeError: If ``ignore_index`` is not an int.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = _META_KEYS,
                 ignore_index: int = 255) -> None:
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
            raise TypeError(f'expected ignore_index to be an int, got '
                            f'{type(ignore_index).__name__}')
        super().__init__(meta_keys=meta_keys)
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        """Pack the inputs, the hard label and, if present, the soft map.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``inputs`` and ``data_samples`` as ``PackSegInputs``
            returns them; ``data_samples.gt_soft_sem_seg`` when the sample
            has a soft map.

        Raises:
            KeyError: See :func:`gather_soft_label_map`.
            ValueError: See :func:`gather_soft_label_map`.
            TypeError: See :func:`gather_soft_label_map`.
        """
        packed = super().transform(results)
        if SOFT_MAP_KEY in results:
            soft = gather_soft_label_map(results, self.ignore_index)
            packed['data_samples'].gt_soft_sem_seg = SoftLabelPixelData(
                data=torch.from_numpy(soft),
                metainfo=dict(ignore_index=self.ignore_index))
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
                f'ignore_index={self.ignore_index})')
