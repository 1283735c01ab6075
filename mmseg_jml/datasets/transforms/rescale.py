r"""Random rescale of each image by a factor of its own size.

The official code of the paper (zifuwanggg/JDTLosses,
``datas/datasets/transform.py``, ``RandScale``) draws, for every training
image, one factor :math:`s \sim U(s_{\min}, s_{\max})` and resizes the image
and its label by :math:`s` along both axes (``cv2.resize(fx=s, fy=s)``):
the output of an :math:`H \times W` image is about
:math:`sH \times sW`, whatever :math:`H` and :math:`W` are.

MMCV's ``RandomResize(scale, ratio_range)`` multiplies a *fixed* target
``scale`` by the random ratio instead, which is "the image's own size" only
when every image has that size (Cityscapes, DeepGlobe Land); VOC and ADE20K
images differ in size. :class:`RandomRescale` draws the factor per image and
resizes by it with MMSeg's ``Resize(scale_factor=s, keep_ratio=True)``, so
every key in ``seg_fields`` follows the image with nearest interpolation:
the hard label, and the ``uint16`` coordinate maps of a soft label map
(:class:`~mmseg_jml.datasets.transforms.LoadSoftLabelMap`), which then
gathers the soft vectors of the pixels the hard label was taken from.
"""
from typing import Literal, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import Resize
from mmseg.registry import TRANSFORMS

__all__ = ['RandomRescale']

Interpolation = Literal['nearest', 'bilinear', 'bicubic', 'area', 'lanczos']
Backend = Literal['cv2', 'pillow']

_INTERPOLATIONS = ('nearest', 'bilinear', 'bicubic', 'area', 'lanczos')
_BACKENDS = ('cv2', 'pillow')


def _check_ratio_range(ratio_range: Sequence[float]) -> Tuple[float, float]:
    if not isinstance(ratio_range, (tuple, list)) or len(ratio_range) != 2:
        raise TypeError(f'expected ratio_range to be a (min, max) pair of '
                        f'numbers, got {ratio_range!r}')
    if any(
            isinstance(v, bool) or not isinstance(v, (int, float))
            for v in ratio_range):
        raise TypeError(f'expected ratio_range to hold numbers, got '
                        f'{[type(v).__name__ for v in ratio_range]}')
    low, high = (float(v) for v in ratio_range)
    if not (np.isfinite(low) and np.isfinite(high)) or low <= 0:
        raise ValueError(f'expected finite ratios > 0 in ratio_range, got '
                         f'{(low, high)}')
    if low > high:
        raise ValueError(f'expected ratio_range[0] <= ratio_range[1], got '
                         f'{(low, high)}')
    return low, high


@TRANSFORMS.register_module()
class RandomRescale(BaseTransform):
    r"""Resize each image by a random factor of its own size.

    For every call, draw :math:`s \sim U(r_{\min}, r_{\max})` (NumPy's global
    generator, as MMCV's random transforms, so dataloader worker seeding
    applies) and apply MMSeg's ``Resize(scale_factor=s, keep_ratio=True)``:
    the image (``interpolation``) and every key of ``seg_fields`` (nearest)
    go from :math:`H \times W` to about :math:`sH \times sW` (MMCV rounds
    each side to the nearest integer, within one pixel of
    :math:`\mathrm{round}(sH) \times \mathrm{round}(sW)`).

    Required keys: ``img``; ``gt_seg_map`` and the other ``seg_fields``
    (e.g. a soft map's coordinate maps) when present.

    Modified keys: ``img``, ``img_shape``, every key of ``seg_fields``.

    Added keys: ``scale`` (the target ``(w, h)``), ``scale_factor`` (the
    ``(w, h)`` factors actually applied, as MMCV's ``Resize`` records them)
    and ``keep_ratio`` (True).

    Args:
        ratio_range (Sequence[float]): ``(min, max)`` of the factor, both
            finite and > 0. Defaults to (0.5, 2.0).
        interpolation (str): Interpolation of the image: ``'nearest'``,
            ``'bilinear'``, ``'bicubic'``, ``'area'`` or ``'lanczos'``
            (``'nearest'`` / ``'bilinear'`` with the pillow backend).
            Defaults to 'bilinear'.
        backend (str): ``'cv2'`` or ``'pillow'``. Defaults to 'cv2'.

    Raises:
        TypeError: If ``ratio_range`` is not a pair of numbers.
        ValueError: If a ratio is not finite and positive, the range is
            reversed, or ``interpolation`` / ``backend`` is unknown.
    """

    def __init__(self,
                 ratio_range: Sequence[float] = (0.5, 2.0),
                 interpolation: Interpolation = 'bilinear',
                 backend: Backend = 'cv2') -> None:
        self.ratio_range = _check_ratio_range(ratio_range)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f'expected interpolation in {_INTERPOLATIONS}, '
                             f'got {interpolation!r}')
        if backend not in _BACKENDS:
            raise ValueError(f'expected backend in {_BACKENDS}, got '
                             f'{backend!r}')
        if backend == 'pillow' and interpolation not in ('nearest',
                                                         'bilinear'):
            raise ValueError(f"expected interpolation 'nearest' or "
                             f"'bilinear' with the pillow backend, got "
                             f'{interpolation!r}')
        self.interpolation = interpolation
        self.backend = backend

    @cache_randomness
    def _random_ratio(self) -> float:
        """One factor drawn uniformly from ``ratio_range``."""
        low, high = self.ratio_range
        return float(np.random.random_sample() * (high - low) + low)

    def transform(self, results: dict) -> dict:
        """Rescale the image and its ``seg_fields`` by a random factor.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``results`` with the keys described in the class docstring.

        Raises:
            KeyError: If ``results`` has no ``img``.
        """
        if results.get('img', None) is None:
            raise KeyError(f'expected an "img" to rescale, got keys '
                           f'{sorted(results)}')
        resize = Resize(
            scale_factor=self._random_ratio(),
            keep_ratio=True,
            interpolation=self.interpolation,
            backend=self.backend)
        return resize(results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(ratio_range={self.ratio_range}, '
                f'interpolation={self.interpolation!r}, '
                f'backend={self.backend!r})')
