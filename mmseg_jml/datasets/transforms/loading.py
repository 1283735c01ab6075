"""Loading of per-pixel soft label maps (class-probability maps).

How a soft map follows MMSeg's geometric augmentations
------------------------------------------------------
MMSeg's geometric transforms (``Resize``/``RandomResize``, ``RandomCrop``,
``RandomFlip``, ``RandomRotate``, ``ResizeToMultiple``, ``RandomRotFlip``,
``RandomCutOut``, ...) apply to every key listed in
``results['seg_fields']`` exactly as to the hard label map, with nearest
interpolation. A nearest-interpolated soft map stays on the simplex, but
pushing the (H, W, C) probability map itself through them does not work in
general: OpenCV resizes and rotates at most 128 channels (ADE20K has 150
classes), its float code path picks different source pixels than its
integer path in rotations (the soft map would drift from the label by a
pixel), fills (rotation borders, cut-outs) write the label fill value 255
into probabilities, and every resize moves C float planes per sample.

:class:`LoadSoftLabelMap` therefore keeps the soft map as loaded, at its
original resolution, and registers two ``uint16`` *coordinate maps* in
``seg_fields`` instead: for every pixel, its source row and column in the
original map, offset by :data:`COORD_OFFSET` (256). They go through the
very same transforms, with the same OpenCV code path as the ``uint8`` label
(16-bit and 8-bit integers share it), so after any chain of nearest-
neighbour geometric transforms each output pixel knows which original
pixel it comes from -- the one the hard label was taken from.
:class:`~mmseg_jml.datasets.transforms.PackSoftSegInputs` then gathers the
soft vectors at those coordinates. A coordinate below 256 can only be a
fill value written by a transform (labels are ``uint8``); such pixels get
the one-hot of their hard label, or an all-zero vector (= not counted) when
the label is ignored. Transforms that change the label's geometry without
going through ``seg_fields`` (e.g. ``Albu``) or that mix samples
(``RandomMosaic``) are not supported.
"""
import io
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.registry import TRANSFORMS

#: Offset of the coordinate maps: values below it are transform fills.
COORD_OFFSET = 256
#: Largest supported height / width of a soft label map.
MAX_SOFT_MAP_SIZE = np.iinfo(np.uint16).max - COORD_OFFSET
#: ``results`` key of the soft map as loaded, shape (C, H0, W0).
SOFT_MAP_KEY = 'gt_soft_seg_map'
#: ``results`` keys (in ``seg_fields``) of the row / column coordinate maps.
SOFT_ROW_KEY = 'gt_soft_seg_rows'
SOFT_COL_KEY = 'gt_soft_seg_cols'

__all__ = [
    'LoadSoftLabelMap', 'COORD_OFFSET', 'MAX_SOFT_MAP_SIZE', 'SOFT_MAP_KEY',
    'SOFT_ROW_KEY', 'SOFT_COL_KEY'
]


@TRANSFORMS.register_module()
class LoadSoftLabelMap(BaseTransform):
    """Load a per-pixel class-probability map saved as ``.npy`` (C, H, W).

    Place it right after ``LoadImageFromFile`` and ``LoadAnnotations`` and
    before any geometric transform; pack with
    :class:`~mmseg_jml.datasets.transforms.PackSoftSegInputs`. The path
    comes from ``results['soft_seg_map_path']``, which
    :class:`~mmseg_jml.datasets.SoftLabelSegDataset` sets when the dataset's
    ``data_prefix`` has a ``soft_seg_map_path`` entry.

    Required keys: ``soft_seg_map_path``; ``img`` and ``gt_seg_map`` when
    present are checked against the soft map's size.

    Added keys: ``gt_soft_seg_map`` (the array as stored, (C, H, W)),
    ``gt_soft_seg_rows`` and ``gt_soft_seg_cols`` (``uint16`` (H, W)
    coordinate maps, appended to ``seg_fields``; see the module docstring
    for why the geometric transforms see coordinates, not probabilities).

    Args:
        backend_args (dict, optional): Arguments of
            :func:`mmengine.fileio.get` (e.g. a file client backend).
            Defaults to None.

    Raises:
        TypeError: If ``backend_args`` is neither None nor a dict.
    """

    def __init__(self, backend_args: Optional[dict] = None) -> None:
        if backend_args is not None and not isinstance(backend_args, dict):
            raise TypeError(f'expected backend_args to be a dict or None, '
                            f'got {type(backend_args).__name__}')
        self.backend_args = None if backend_args is None else dict(
            backend_args)

    def _load(self, path: str) -> np.ndarray:
        data = fileio.get(path, backend_args=self.backend_args)
        try:
            soft = np.load(io.BytesIO(data), allow_pickle=False)
        except ValueError as err:
            raise ValueError(
                f'expected a .npy array at soft_seg_map_path {path!r}: '
                f'{err}') from err
        if not isinstance(soft, np.ndarray) or soft.ndim != 3:
            raise ValueError(
                f'expected a soft label map of shape (C, H, W) in {path!r}, '
                f'got shape {getattr(soft, "shape", None)}')
        if not np.issubdtype(soft.dtype, np.floating):
            raise TypeError(f'expected a floating-point soft label map in '
                            f'{path!r}, got {soft.dtype}')
        if soft.shape[0] < 1:
            raise ValueError(f'expected at least one class in {path!r}, got '
                             f'shape {soft.shape}')
        if max(soft.shape[1:]) > MAX_SOFT_MAP_SIZE:
            raise ValueError(
                f'expected a soft label map of at most {MAX_SOFT_MAP_SIZE} '
                f'pixels per side, got {soft.shape[1:]} in {path!r}')
        return soft

    def transform(self, results: dict) -> dict:
        """Load the soft map and add its coordinate maps to ``seg_fields``.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``results`` with the keys described in the class docstring.

        Raises:
            KeyError: If ``soft_seg_map_path`` is missing.
            ValueError: If the file is not a (C, H, W) array, or its (H, W)
                differs from the image's or the hard label's.
            TypeError: If the array is not floating point.
        """
        path = results.get('soft_seg_map_path', None)
        if path is None:
            raise KeyError(
                'LoadSoftLabelMap needs results["soft_seg_map_path"]: give '
                'the dataset data_prefix=dict(soft_seg_map_path=...) (a '
                'SoftLabelSegDataset such as MNI152TissueDataset), got keys '
                f'{sorted(results)}')
        soft = self._load(path)
        height, width = soft.shape[1:]
        for key, shape in (('img', results.get('img', None)),
                           ('gt_seg_map', results.get('gt_seg_map', None))):
            if shape is not None and tuple(shape.shape[:2]) != (height,
                                                                 width):
                raise ValueError(
                    f'expected the soft label map {path!r} to have the '
                    f'(H, W) of {key} {tuple(shape.shape[:2])}, got '
                    f'{(height, width)}; LoadSoftLabelMap must come before '
                    'any geometric transform')
        rows = np.arange(COORD_OFFSET, COORD_OFFSET + height, dtype=np.uint16)
        cols = np.arange(COORD_OFFSET, COORD_OFFSET + width, dtype=np.uint16)
        results[SOFT_MAP_KEY] = soft
        results[SOFT_ROW_KEY] = np.ascontiguousarray(
            np.broadcast_to(rows[:, None], (height, width)))
        results[SOFT_COL_KEY] = np.ascontiguousarray(
            np.broadcast_to(cols[None, :], (height, width)))
        seg_fields = results.setdefault('seg_fields', [])
        for key in (SOFT_ROW_KEY, SOFT_COL_KEY):
            if key not in seg_fields:
                seg_fields.append(key)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(backend_args={self.backend_args})'
