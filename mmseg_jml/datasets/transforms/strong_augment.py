r"""AugSeg's random intensity-based strong augmentation of images.

Zhao et al., "Augmentation Matters" (CVPR 2023), the student's view of an
unlabelled image: per image, draw :math:`k` uniformly from
:math:`\{1, \dots, K\}` (``num_ops``; always :math:`K` with
``random_num_ops=False``), then :math:`k` operations uniformly *with
replacement* from the pool, each with a fresh magnitude, and apply them in
turn (PIL, on the RGB image). The pool and magnitudes (AugSeg's
non-"wide" list):

================  ==============================================
operation         magnitude
================  ==============================================
identity          --
autocontrast      PIL ``ImageOps.autocontrast`` (cutoff 0)
equalize          PIL ``ImageOps.equalize``
blur              Gaussian, radius :math:`\sigma \sim U(0.1, 2)`
contrast          factor :math:`\sim U(0.05, 0.95)`
brightness        factor :math:`\sim U(0.05, 0.95)`
color             factor :math:`\sim U(0.05, 0.95)`
sharpness         factor :math:`\sim U(0.05, 0.95)`
posterize         bits uniform on :math:`\{4, 5, 6, 7\}`
solarize          threshold uniform on :math:`\{1, \dots, 255\}`
hue               shift :math:`\pm v` of the hue circle,
                  :math:`v \sim U(0, 0.5)`, random sign (uint8 H
                  channel of HSV, wrapping)
================  ==============================================

Every operation is a function of the pixel values alone (blur and sharpness
of a neighbourhood): none moves a pixel, so the strong view stays
pixel-aligned with the weak view it is computed from.
"""
import math
from typing import List, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

__all__ = ['StrongIntensityAugment', 'AUGSEG_OPS', 'apply_intensity_op']

#: AugSeg's pool, in its order.
AUGSEG_OPS = ('identity', 'autocontrast', 'equalize', 'blur', 'contrast',
              'brightness', 'color', 'sharpness', 'posterize', 'solarize',
              'hue')

_ENHANCERS = dict(
    contrast=ImageEnhance.Contrast,
    brightness=ImageEnhance.Brightness,
    color=ImageEnhance.Color,
    sharpness=ImageEnhance.Sharpness)


def _sample_magnitude(name: str, rng: np.random.RandomState) -> float:
    """A fresh magnitude of operation ``name`` (module docstring)."""
    if name == 'blur':
        return float(rng.uniform(0.1, 2.0))
    if name in _ENHANCERS:
        return float(rng.uniform(0.05, 0.95))
    if name == 'posterize':
        return float(8 - max(1, math.ceil(4 * rng.random_sample())))
    if name == 'solarize':
        return float(256 - max(1, math.ceil(255 * rng.random_sample())))
    if name == 'hue':
        value = float(rng.uniform(0.0, 0.5))
        return -value if rng.random_sample() < 0.5 else value
    return 0.0


def _hue(img: Image.Image, factor: float) -> Image.Image:
    hue, saturation, value = img.convert('HSV').split()
    shifted = (np.asarray(hue, dtype=np.int64) + int(factor * 255)) % 256
    hue = Image.fromarray(shifted.astype(np.uint8), 'L')
    return Image.merge('HSV', (hue, saturation, value)).convert('RGB')


def apply_intensity_op(img: Image.Image, name: str,
                       magnitude: float) -> Image.Image:
    """Apply one operation of the pool to an RGB PIL image.

    Args:
        img (PIL.Image.Image): RGB image.
        name (str): One of :data:`AUGSEG_OPS`.
        magnitude (float): Its magnitude (ignored by identity,
            autocontrast and equalize).

    Returns:
        PIL.Image.Image: The RGB result, of the same size.

    Raises:
        ValueError: On an unknown operation.
    """
    if name == 'identity':
        return img
    if name == 'autocontrast':
        return ImageOps.autocontrast(img)
    if name == 'equalize':
        return ImageOps.equalize(img)
    if name == 'blur':
        return img.filter(ImageFilter.GaussianBlur(radius=magnitude))
    if name in _ENHANCERS:
        return _ENHANCERS[name](img).enhance(magnitude)
    if name == 'posterize':
        return ImageOps.posterize(img, int(magnitude))
    if name == 'solarize':
        return ImageOps.solarize(img, int(magnitude))
    if name == 'hue':
        return _hue(img, magnitude)
    raise ValueError(f'expected an operation in {AUGSEG_OPS}, got {name!r}')


@TRANSFORMS.register_module()
class StrongIntensityAugment(BaseTransform):
    """AugSeg's random intensity-based augmentation (module docstring).

    Changes ``results['img']`` (BGR uint8, as loaded by MMSeg) only; the
    applied ``(operation, magnitude)`` pairs are stored in
    ``results['strong_ops']``. Random numbers come from NumPy's global
    generator (seeded per worker by MMEngine).

    Args:
        num_ops (int): Maximal number of operations ``K`` per image, in
            [1, len(ops)]. Defaults to 3 (AugSeg).
        random_num_ops (bool): Whether the number of operations is drawn
            uniformly from ``{1, ..., K}`` (AugSeg) rather than fixed to
            ``K``. Defaults to True.
        ops (Sequence[str]): The pool, a subset of :data:`AUGSEG_OPS`.
            Defaults to :data:`AUGSEG_OPS`.

    Raises:
        TypeError: On arguments of the wrong type.
        ValueError: On an empty pool, unknown operations or ``num_ops``
            out of range.
    """

    def __init__(self,
                 num_ops: int = 3,
                 random_num_ops: bool = True,
                 ops: Sequence[str] = AUGSEG_OPS) -> None:
        if isinstance(num_ops, bool) or not isinstance(num_ops, int):
            raise TypeError(f'expected num_ops to be an int, got '
                            f'{type(num_ops).__name__}')
        if not isinstance(random_num_ops, bool):
            raise TypeError(f'expected random_num_ops to be a bool, got '
                            f'{type(random_num_ops).__name__}')
        if isinstance(ops, str) or not isinstance(ops, (list, tuple)):
            raise TypeError(f'expected ops to be a list of operation names, '
                            f'got {ops!r}')
        unknown = [op for op in ops if op not in AUGSEG_OPS]
        if not ops or unknown:
            raise ValueError(f'expected a non-empty pool of operations from '
                             f'{AUGSEG_OPS}, got {list(ops)}')
        if not 1 <= num_ops <= len(AUGSEG_OPS):
            raise ValueError(f'expected 1 <= num_ops <= {len(AUGSEG_OPS)}, '
                             f'got {num_ops}')
        self.num_ops = num_ops
        self.random_num_ops = random_num_ops
        self.ops = tuple(ops)

    def sample_ops(self) -> List[Tuple[str, float]]:
        """Draw the operations and magnitudes of one image.

        Returns:
            list[tuple[str, float]]: ``(operation, magnitude)`` pairs in the
            order they are applied.
        """
        rng = np.random.mtrand._rand
        count = int(rng.randint(1, self.num_ops + 1)) \
            if self.random_num_ops else self.num_ops
        names = [self.ops[int(i)] for i in rng.randint(0, len(self.ops),
                                                       size=count)]
        return [(name, _sample_magnitude(name, rng)) for name in names]

    def transform(self, results: dict) -> dict:
        """Augment ``results['img']``.

        Args:
            results (dict): A sample with a (H, W, 3) uint8 BGR ``img``.

        Returns:
            dict: The sample with the augmented image and ``strong_ops``.

        Raises:
            ValueError: If the image is not (H, W, 3) uint8.
        """
        img = results['img']
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or \
                img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'expected a (H, W, 3) uint8 image, got '
                             f'{getattr(img, "dtype", type(img))} '
                             f'{getattr(img, "shape", "")}')
        ops = self.sample_ops()
        pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1]))
        for name, magnitude in ops:
            pil = apply_intensity_op(pil, name, magnitude)
        results['img'] = np.ascontiguousarray(np.asarray(pil)[..., ::-1])
        results['strong_ops'] = ops
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_ops={self.num_ops}, '
                f'random_num_ops={self.random_num_ops}, ops={self.ops})')
