"""Boundary pixels of a hard label map.

One definition shared by boundary label smoothing (a loss) and the boundary
calibration metrics (BECE, BSCE), so that both mean the same pixels. The
module is pure PyTorch (no MMEngine / MMSeg import), so that losses and
metrics can both import it without an import cycle.
"""
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['boundary_mask']


def boundary_mask(label: Tensor,
                  num_classes: int,
                  kernel_size: int = 3,
                  ignore_index: int = 255) -> Tensor:
    """Boundary pixels of a batch of hard label maps.

    A pixel is a boundary pixel when it is counted (its label is not
    ``ignore_index``), its ``kernel_size x kernel_size`` window, centred on
    it, holds a pixel of another class, and the window holds no ignored
    pixel:

    .. math::

        B(p) = [y_p \\neq \\mathrm{ignore}] \\wedge
               \\bigl(\\exists q \\in W_k(p):\\ y_q \\neq y_p\\bigr)
               \\wedge
               \\bigl(\\forall q \\in W_k(p):\\ y_q \\neq
               \\mathrm{ignore}\\bigr)

    This is the rule of the paper's official code (``get_label_boundary`` in
    ``train_soft_label.py`` of zifuwanggg/JDTLosses): a pixel whose window
    touches void (an ignored region, or the ignore-index padding of a crop)
    is never a boundary pixel, so boundary label smoothing leaves it one-hot
    and the boundary calibration metrics leave it out. The image border is
    not a boundary: window positions outside the image do not count. With
    ``kernel_size=1`` no pixel is a boundary pixel.

    Computed without an ``(N, C, H, W)`` one-hot: on windows without an
    ignored pixel (found by a max-pool of the ignore mask), a max-pool and a
    min-pool of the label map differ exactly when the window holds two
    classes.

    Args:
        label (Tensor): Integer label map of shape ``(N, H, W)``; values in
            ``[0, num_classes)`` or ``ignore_index``.
        num_classes (int): Number of classes ``C`` (``>= 1``).
        kernel_size (int): Odd, positive window size ``k``. Defaults to 3.
        ignore_index (int): Label of the pixels that do not count.
            Defaults to 255.

    Returns:
        Tensor: Bool tensor of shape ``(N, H, W)`` on ``label``'s device,
        ``True`` at the boundary pixels.

    Raises:
        TypeError: If ``label`` is not an integer tensor, or an argument is
            not an ``int``.
        ValueError: On a wrong shape, an even or non-positive kernel size,
            ``num_classes < 1``, or labels outside ``[0, num_classes)`` that
            are not ``ignore_index``.
    """
    if not isinstance(label, Tensor):
        raise TypeError(f'expected label to be a torch.Tensor, '
                        f'got {type(label).__name__}')
    if label.dtype == torch.bool or label.is_floating_point() \
            or label.is_complex():
        raise TypeError(f'expected an integer label tensor, got {label.dtype}')
    for name, value in (('num_classes', num_classes),
                        ('kernel_size', kernel_size),
                        ('ignore_index', ignore_index)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(
                f'expected {name} to be an int, got {type(value).__name__}')
    if label.ndim != 3:
        raise ValueError(f'expected label of shape (N, H, W), got '
                         f'{tuple(label.shape)}')
    if num_classes < 1:
        raise ValueError(f'expected num_classes >= 1, got {num_classes}')
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(
            f'expected an odd, positive kernel_size, got {kernel_size}')

    counted = label != ignore_index
    if label.numel() == 0:
        return counted
    bad = counted & ((label < 0) | (label >= num_classes))
    if bool(bad.any()):
        raise ValueError(
            f'expected labels in [0, {num_classes}) or ignore_index '
            f'{ignore_index}, got {label[bad].unique()[:10].tolist()}')
    if kernel_size == 1:
        return torch.zeros_like(counted)

    # float32 holds every class index exactly (num_classes << 2**24).
    values = label.to(torch.float32).unsqueeze(1)
    ignored = (~counted).to(torch.float32).unsqueeze(1)
    pad = kernel_size // 2
    # max_pool2d pads with -inf, so positions outside the image never win.
    touches_void = F.max_pool2d(
        ignored, kernel_size, stride=1, padding=pad) > 0
    window_max = F.max_pool2d(values, kernel_size, stride=1, padding=pad)
    window_min = -F.max_pool2d(-values, kernel_size, stride=1, padding=pad)
    two_classes = window_max != window_min
    return counted & (two_classes & ~touches_void).squeeze(1)
