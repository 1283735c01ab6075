r"""Boundary label smoothing (BLS) and plain label smoothing of hard labels.

The paper's first use of soft labels (Wang, Ning & Blaschko, NeurIPS 2023,
§2.4.1): smooth the one-hot target only at object boundaries. With
:math:`l_p` the label of pixel :math:`p`, :math:`C` classes and
:math:`\varepsilon_p` the pixel's smoothing weight,

.. math::

    y_{pc} = (1 - \varepsilon_p)\,[c = l_p] + \frac{\varepsilon_p}{C},
    \qquad
    \varepsilon_p = \begin{cases}
        \varepsilon\, B_k(p) & k \text{ given (BLS)} \\
        \varepsilon & k = \text{None (label smoothing)}
    \end{cases}

for counted pixels, and :math:`y_p = 0` (not counted) where
:math:`l_p` is the ignore index. :math:`B_k` is
:func:`mmseg_jml.utils.boundary.boundary_mask`: a counted pixel whose
:math:`k \times k` window holds a counted pixel of another class (ignored
pixels neither make nor break a boundary; the image border is not one).
Away from boundaries the target stays one-hot, so a loss can take the
structure ``(labels, smoothing_map)`` instead of a dense (N, C, H, W)
target.
"""
from typing import Optional

import torch
from mmseg.registry import MODELS
from torch import Tensor, nn

from mmseg_jml.utils.boundary import boundary_mask

from .validation import check_ignore_index, check_real

__all__ = [
    'BoundaryLabelSmoothing', 'check_smoothing_config', 'smoothing_map',
    'boundary_label_smoothing'
]


def check_smoothing_config(kernel_size: Optional[int],
                           epsilon: float) -> float:
    """Validate the smoothing options.

    Args:
        kernel_size (int, optional): None or an odd, positive window size.
        epsilon (float): Smoothing weight in [0, 1].

    Returns:
        float: ``epsilon`` as a float.

    Raises:
        TypeError: If ``kernel_size`` is neither None nor an int, or
            ``epsilon`` is not a real number.
        ValueError: If ``kernel_size`` is even or not positive, or
            ``epsilon`` is outside [0, 1].
    """
    if kernel_size is not None:
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, int):
            raise TypeError(f'expected kernel_size to be None or an int, '
                            f'got {type(kernel_size).__name__}')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'expected kernel_size to be None or an odd, '
                             f'positive int, got {kernel_size}')
    return check_real('epsilon', epsilon, 0.0, 1.0)


def _check_label(label: Tensor, num_classes: int, ignore_index: int) -> None:
    if not isinstance(label, Tensor):
        raise TypeError(f'expected label to be a torch.Tensor, got '
                        f'{type(label).__name__}')
    if label.dtype == torch.bool or label.is_floating_point() \
            or label.is_complex():
        raise TypeError(f'expected an integer label tensor, got {label.dtype}')
    if label.ndim != 3:
        raise ValueError(f'expected label of shape (N, H, W), got '
                         f'{tuple(label.shape)}')
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise TypeError(f'expected num_classes to be an int, got '
                        f'{type(num_classes).__name__}')
    if num_classes < 1:
        raise ValueError(f'expected num_classes >= 1, got {num_classes}')
    check_ignore_index(ignore_index)
    counted = label != ignore_index
    bad = counted & ((label < 0) | (label >= num_classes))
    if bool(bad.any()):
        raise ValueError(
            f'expected labels in [0, {num_classes}) or ignore_index '
            f'{ignore_index}, got {label[bad].unique()[:10].tolist()}')


def smoothing_map(label: Tensor,
                  num_classes: int,
                  kernel_size: Optional[int] = 3,
                  epsilon: float = 0.5,
                  ignore_index: int = 255) -> Tensor:
    r"""Per-pixel smoothing weights :math:`\varepsilon_p` (module docstring).

    Args:
        label (Tensor): (N, H, W) integer labels in ``[0, num_classes)`` or
            ``ignore_index``.
        num_classes (int): Number of classes ``C``.
        kernel_size (int, optional): Boundary window ``k`` (odd, positive);
            None smooths every counted pixel. Defaults to 3.
        epsilon (float): :math:`\varepsilon \in [0, 1]`. Defaults to 0.5.
        ignore_index (int): Label of uncounted pixels. Defaults to 255.

    Returns:
        Tensor: float32 (N, H, W): ``epsilon`` at the smoothed pixels, 0
        elsewhere (ignored pixels included).

    Raises:
        TypeError: On a non-integer label tensor or badly typed options.
        ValueError: On a bad shape, labels out of range or bad options.
    """
    epsilon = check_smoothing_config(kernel_size, epsilon)
    _check_label(label, num_classes, ignore_index)
    if kernel_size is None:
        smoothed = label != ignore_index
    else:
        smoothed = boundary_mask(label, num_classes, kernel_size,
                                 ignore_index)
    return smoothed.to(torch.float32) * epsilon


def boundary_label_smoothing(label: Tensor,
                             num_classes: int,
                             kernel_size: Optional[int] = 3,
                             epsilon: float = 0.5,
                             ignore_index: int = 255) -> Tensor:
    r"""Dense soft target of boundary (or plain) label smoothing.

    .. math::

        y_{pc} = [l_p \neq \mathrm{ignore}]\Bigl((1 - \varepsilon_p)
                 [c = l_p] + \frac{\varepsilon_p}{C}\Bigr)

    with :math:`\varepsilon_p` from :func:`smoothing_map`. Every counted
    pixel's vector is on the simplex, ignored pixels are all-zero.

    Args:
        label (Tensor): (N, H, W) integer labels.
        num_classes (int): Number of classes ``C``.
        kernel_size (int, optional): Boundary window; None smooths every
            counted pixel. Defaults to 3.
        epsilon (float): Smoothing weight in [0, 1]. Defaults to 0.5.
        ignore_index (int): Label of uncounted pixels. Defaults to 255.

    Returns:
        Tensor: float32 (N, C, H, W) target on ``label``'s device.

    Raises:
        TypeError: On a non-integer label tensor or badly typed options.
        ValueError: On a bad shape, labels out of range or bad options.
    """
    eps = smoothing_map(label, num_classes, kernel_size, epsilon,
                        ignore_index)
    counted = (label != ignore_index).to(torch.float32)
    target = (eps / num_classes).unsqueeze(1).repeat(1, num_classes, 1, 1)
    index = torch.where(label != ignore_index, label, 0).long().unsqueeze(1)
    target.scatter_add_(1, index, ((1.0 - eps) * counted).unsqueeze(1))
    return target * counted.unsqueeze(1)


@MODELS.register_module()
class BoundaryLabelSmoothing(nn.Module):
    """Boundary label smoothing of hard label maps, as a target transform.

    Turns (N, H, W) hard labels into (N, C, H, W) soft targets
    (:func:`boundary_label_smoothing`; formula in the module docstring).
    The official defaults are ``kernel_size=3, epsilon=0.5``; ``kernel_size
    =None`` is plain label smoothing of every counted pixel, ``epsilon=0``
    and ``kernel_size=1`` are the identity (one-hot). Use it as the
    ``target_transform`` of the Jaccard/Dice metric losses and the soft
    cross-entropy, e.g. ``dict(type='BoundaryLabelSmoothing',
    kernel_size=3, epsilon=0.5)``.

    Args:
        kernel_size (int, optional): Odd, positive boundary window ``k``;
            None smooths every pixel. Defaults to 3.
        epsilon (float): Smoothing weight in [0, 1]. Defaults to 0.5.

    Raises:
        TypeError: If an option has the wrong type.
        ValueError: If ``kernel_size`` is even or not positive, or
            ``epsilon`` is outside [0, 1].
    """

    def __init__(self,
                 kernel_size: Optional[int] = 3,
                 epsilon: float = 0.5) -> None:
        super().__init__()
        self.epsilon = check_smoothing_config(kernel_size, epsilon)
        self.kernel_size = kernel_size

    def smoothing_map(self, label: Tensor, num_classes: int,
                      ignore_index: int = 255) -> Tensor:
        """Per-pixel smoothing weights, see :func:`smoothing_map`.

        Args:
            label (Tensor): (N, H, W) integer labels.
            num_classes (int): Number of classes ``C``.
            ignore_index (int): Label of uncounted pixels. Defaults to 255.

        Returns:
            Tensor: float32 (N, H, W) weights.
        """
        return smoothing_map(label, num_classes, self.kernel_size,
                             self.epsilon, ignore_index)

    def forward(self,
                label: Tensor,
                num_classes: int,
                ignore_index: int = 255) -> Tensor:
        """Dense soft target, see :func:`boundary_label_smoothing`.

        Args:
            label (Tensor): (N, H, W) integer labels.
            num_classes (int): Number of classes ``C``.
            ignore_index (int): Label of uncounted pixels. Defaults to 255.

        Returns:
            Tensor: float32 (N, C, H, W) soft target.

        Raises:
            TypeError: On a non-integer label tensor.
            ValueError: On a bad shape or labels out of range.
        """
        return boundary_label_smoothing(label, num_classes, self.kernel_size,
                                        self.epsilon, ignore_index)

    def extra_repr(self) -> str:
        return f'kernel_size={self.kernel_size}, epsilon={self.epsilon}'
