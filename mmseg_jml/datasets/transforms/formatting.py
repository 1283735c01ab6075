"""Packing of soft label maps into MMSeg data samples."""
from typing import Sequence

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from .loading import COORD_OFFSET, SOFT_COL_KEY, SOFT_MAP_KEY, SOFT_ROW_KEY

__all__ = ['PackSoftSegInputs', 'gather_soft_label_map']

_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
              'pad_shape', 'scale_factor', 'flip', 'flip_direction',
              'reduce_zero_label')


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
      ``gt_seg_map``, at the bottom/right), the soft map is padded alike.

    Args:
        results (dict): Result dict of the pipeline.
        ignore_index (int): Label of uncounted pixels. Defaults to 255.

    Returns:
        np.ndarray: float32 array of shape (C, H, W), H and W those of the
        hard label (or of the coordinate maps when there is no label).

    Raises:
        KeyError: If the coordinate maps are missing.
        ValueError: On inconsistent shapes, a sample mixed from several
            images (``RandomMosaic``), or a filled pixel labelled with a
            class outside ``[0, C)``.
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
            pad = ((0, lh - h), (0, lw - w))
            rows = np.pad(rows, pad, constant_values=0)
            cols = np.pad(cols, pad, constant_values=0)
    filled = (rows < COORD_OFFSET) | (cols < COORD_OFFSET)
    rows = np.where(filled, 0, rows - COORD_OFFSET)
    cols = np.where(filled, 0, cols - COORD_OFFSET)
    out = np.asarray(soft[:, rows, cols], dtype=np.float32)
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
        out[:, filled_counted] = np.eye(num_classes, dtype=np.float32)[
            classes].T
    out[:, ignored] = 0.0
    return out


@TRANSFORMS.register_module()
class PackSoftSegInputs(PackSegInputs):
    """:class:`~mmseg.datasets.transforms.PackSegInputs` plus soft labels.

    When the sample carries a soft label map (loaded by
    :class:`~mmseg_jml.datasets.transforms.LoadSoftLabelMap`), it is
    gathered at the augmented geometry (:func:`gather_soft_label_map`) and
    packed as ``data_sample.gt_soft_sem_seg = PixelData(data=...)``, a
    float32 (C, H, W) tensor aligned with ``gt_sem_seg``. Without a soft map
    it behaves exactly like ``PackSegInputs``.

    Args:
        meta_keys (Sequence[str]): Meta keys to pack, as in
            ``PackSegInputs``. Defaults to ``('img_path', 'seg_map_path',
            'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
            'flip_direction', 'reduce_zero_label')``.
        ignore_index (int): Hard label of uncounted pixels; the soft map is
            all-zero there. Defaults to 255.

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
        """
        packed = super().transform(results)
        if SOFT_MAP_KEY in results:
            soft = gather_soft_label_map(results, self.ignore_index)
            packed['data_samples'].gt_soft_sem_seg = PixelData(
                data=torch.from_numpy(soft))
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
                f'ignore_index={self.ignore_index})')
