"""Input validation shared by every loss of :mod:`mmseg_jml.models.losses`.

Constructor arguments are checked by the ``check_*`` helpers, tensors by the
``validate_*`` helpers. Every failure raises :class:`ValueError` or
:class:`TypeError` with an "expected ..., got ..." message; nothing here uses
``assert``, so the checks survive ``python -O``.
"""
import math
from typing import Literal, Optional, Sequence, Tuple

import torch
from torch import Tensor

TargetKind = Literal['hard', 'soft']

#: Tolerance of the simplex check of soft targets (entries in
#: ``[-tol, 1 + tol]``, pixel sums within ``tol`` of 0 or 1).
SIMPLEX_TOL = 1e-3


# --------------------------------------------------------------------------
# constructor arguments
# --------------------------------------------------------------------------
def check_loss_name(loss_name: str) -> str:
    """Checks that ``loss_name`` is a string starting with ``'loss_'``.

    MMSeg only back-propagates (and logs as a loss) the entries of the loss
    dict whose key starts with ``loss_``.

    Args:
        loss_name: The name of the loss in MMSeg's loss dict.

    Returns:
        ``loss_name`` unchanged.

    Raises:
        TypeError: If ``loss_name`` is not a string.
        ValueError: If it does not start with ``'loss_'``.
    """
    if not isinstance(loss_name, str):
        raise TypeError(
            f'expected loss_name to be a str, got {type(loss_name).__name__}')
    if not loss_name.startswith('loss_'):
        raise ValueError("expected loss_name to start with 'loss_' (MMSeg "
                         'ignores other keys in the backward pass), got '
                         f'{loss_name!r}')
    return loss_name


def check_real(name: str,
               value: float,
               minimum: Optional[float] = None,
               maximum: Optional[float] = None,
               strict_minimum: bool = False) -> float:
    """Checks that ``value`` is a finite real number within bounds.

    Args:
        name: The argument's name, for the message.
        value: The value to check.
        minimum: Lower bound, or ``None`` for no bound. Defaults to None.
        maximum: Upper bound (inclusive), or ``None``. Defaults to None.
        strict_minimum: Whether the lower bound is exclusive. Defaults to
            False.

    Returns:
        ``value`` as a Python float.

    Raises:
        TypeError: If ``value`` is not a real number (``bool`` included).
        ValueError: If it is not finite or out of bounds.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f'expected {name} to be a real number, got {type(value).__name__}')
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f'expected {name} to be finite, got {value}')
    if minimum is not None:
        if strict_minimum and value <= minimum:
            raise ValueError(f'expected {name} > {minimum}, got {value}')
        if not strict_minimum and value < minimum:
            raise ValueError(f'expected {name} >= {minimum}, got {value}')
    if maximum is not None and value > maximum:
        raise ValueError(f'expected {name} <= {maximum}, got {value}')
    return value


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    """Checks that ``value`` is one of ``choices``.

    Args:
        name: The argument's name, for the message.
        value: The value to check.
        choices: The allowed values.

    Returns:
        ``value`` unchanged.

    Raises:
        ValueError: If ``value`` is not one of ``choices``.
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f'expected {name} to be one of {tuple(choices)}, got {value!r}')
    return value


def check_ignore_index(ignore_index: int) -> int:
    """Checks that ``ignore_index`` is an int.

    Args:
        ignore_index: The label value of pixels that are not counted.

    Returns:
        ``ignore_index`` unchanged.

    Raises:
        TypeError: If it is not an int (``bool`` included).
    """
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int):
        raise TypeError('expected ignore_index to be an int, got '
                        f'{type(ignore_index).__name__}')
    return ignore_index


def _check_class_weight_values(values: Sequence[float]) -> None:
    """The value rules of class weights, shared by the constructor check and
    the tensor check: non-empty, finite, non-negative, not all zero."""
    if len(values) == 0:
        raise ValueError('expected class_weight to hold one weight per class, '
                         'got an empty sequence')
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise ValueError('expected class_weight to be finite and '
                         f'non-negative, got {list(values)}')
    if not any(v > 0 for v in values):
        raise ValueError(
            f'expected at least one positive class_weight, got {list(values)}')


def check_class_weight(
        class_weight: Optional[Sequence[float]]) -> Optional[Tensor]:
    """Converts a per-class weight sequence into a float32 tensor.

    Args:
        class_weight: ``None`` or a sequence of C non-negative finite floats,
            at least one of them positive.

    Returns:
        ``None`` or a float32 tensor of shape (C,).

    Raises:
        TypeError: If it is not a sequence of real numbers.
        ValueError: If it is empty, negative, non-finite or all zero.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, (str, bytes)) or not isinstance(
            class_weight, (Sequence, Tensor)):
        raise TypeError('expected class_weight to be None or a sequence of '
                        f'floats, got {type(class_weight).__name__}')
    values = [float(v) for v in class_weight] if not isinstance(
        class_weight, Tensor) else class_weight.detach().flatten().tolist()
    _check_class_weight_values(values)
    return torch.tensor(values, dtype=torch.float32)


# --------------------------------------------------------------------------
# tensors
# --------------------------------------------------------------------------
def validate_logits(seg_logits: Tensor) -> None:
    """Checks segmentation logits: a floating (N, C, H, W) finite tensor.

    The finiteness test costs one reduction: the exact element-wise test only
    runs when the sum of the logits is not finite.

    Args:
        seg_logits: The logits.

    Raises:
        TypeError: If it is not a floating-point tensor.
        ValueError: If it is not 4-D, has fewer than 2 classes, or holds
            NaN or infinite values.
    """
    if not isinstance(seg_logits, Tensor):
        raise TypeError('expected seg_logits to be a torch.Tensor, got '
                        f'{type(seg_logits).__name__}')
    if not seg_logits.is_floating_point():
        raise TypeError('expected seg_logits to be a floating-point tensor, '
                        f'got {seg_logits.dtype}')
    if seg_logits.ndim != 4:
        raise ValueError('expected seg_logits of shape (N, C, H, W), got '
                         f'{seg_logits.ndim} dimensions '
                         f'{tuple(seg_logits.shape)}')
    if seg_logits.shape[1] < 2:
        raise ValueError('expected seg_logits with C >= 2 classes (softmax '
                         f'over classes), got C = {seg_logits.shape[1]}')
    with torch.no_grad():
        total = seg_logits.detach().sum()  # NaN/inf propagate
        if not bool(torch.isfinite(total)) and not bool(
                torch.isfinite(seg_logits.detach()).all()):
            raise ValueError(
                'expected finite seg_logits, got NaN or infinite values')


def validate_target(seg_logits: Tensor,
                    target: Tensor,
                    ignore_index: int,
                    allow_hard: bool = True,
                    allow_soft: bool = True) -> TargetKind:
    """Checks a target against its logits and tells its kind.

    The kind is decided by shape: (N, H, W) is a hard label map (integer
    dtype, values in ``[0, C)`` or ``ignore_index``), (N, C, H, W) a soft map
    (floating dtype, every pixel vector on the probability simplex or all
    zero, within :data:`SIMPLEX_TOL` or the machine epsilon of its dtype,
    whichever is larger).

    Args:
        seg_logits: The (N, C, H, W) logits, already validated.
        target: The target.
        ignore_index: The label of uncounted pixels of a hard target.
        allow_hard: Whether hard targets are accepted. Defaults to True.
        allow_soft: Whether soft targets are accepted. Defaults to True.

    Returns:
        ``'hard'`` or ``'soft'``.

    Raises:
        TypeError: If the dtype does not fit the kind.
        ValueError: If the shape fits neither kind, labels are out of range
            or a soft target is off the simplex.
    """
    if not isinstance(target, Tensor):
        raise TypeError('expected target to be a torch.Tensor, got '
                        f'{type(target).__name__}')
    n, c, h, w = seg_logits.shape
    shapes = []
    if allow_hard:
        shapes.append(f'(N, H, W) = {(n, h, w)} (hard labels)')
    if allow_soft:
        shapes.append(f'(N, C, H, W) = {(n, c, h, w)} (soft labels)')
    if allow_hard and tuple(target.shape) == (n, h, w):
        if target.is_floating_point() or target.is_complex() or (
                target.dtype == torch.bool):
            raise TypeError('expected a hard target (N, H, W) of an integer '
                            f'dtype, got {target.dtype}')
        with torch.no_grad():
            bad = ((target < 0) | (target >= c)) & (target != ignore_index)
            if bool(bad.any()):
                values = torch.unique(target[bad])[:10].tolist()
                raise ValueError(
                    f'expected labels in [0, {c}) or ignore_index='
                    f'{ignore_index}, got {values}')
        return 'hard'
    if allow_soft and tuple(target.shape) == (n, c, h, w):
        if not target.is_floating_point():
            raise TypeError('expected a soft target (N, C, H, W) of a '
                            f'floating dtype, got {target.dtype}')
        if target.numel() == 0:
            return 'soft'
        with torch.no_grad():
            # low-precision targets get their dtype's rounding error too
            tol = max(SIMPLEX_TOL, torch.finfo(target.dtype).eps)
            t = target.detach()
            lo, hi = (float(v) for v in torch.aminmax(t))  # NaN propagates
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError('expected a finite soft target, got NaN or '
                                 'infinite values')
            if lo < -tol or hi > 1 + tol:
                raise ValueError(
                    'expected soft target values in [0, 1] (on the simplex), '
                    f'got values in [{lo:.4g}, {hi:.4g}]')
            sums = t.sum(dim=1, dtype=torch.float32)
            off = ((sums - 1).abs() > tol) & (sums.abs() > tol)
            if bool(off.any()):
                raise ValueError(
                    'expected soft target pixel vectors on the simplex (sum 1) '
                    'or all zero (not counted), got a pixel sum of '
                    f'{float(sums[off][0]):.4g}')
        return 'soft'
    raise ValueError(f'expected target of shape {" or ".join(shapes)}, got '
                     f'{tuple(target.shape)}')


def validate_weight(seg_logits: Tensor,
                    weight: Optional[Tensor]) -> Optional[Tensor]:
    """Checks optional pixel weights and returns them as (N, H, W).

    MMSeg's OHEM sampler hands (N, 1, H, W) weights; they are squeezed.

    Args:
        seg_logits: The (N, C, H, W) logits, already validated.
        weight: ``None`` or pixel weights in ``[0, 1]`` of shape (N, H, W)
            or (N, 1, H, W).

    Returns:
        ``None`` or the weights of shape (N, H, W).

    Raises:
        TypeError: If ``weight`` is not a real tensor.
        ValueError: If its shape does not fit or values leave ``[0, 1]``.
    """
    if weight is None:
        return None
    if not isinstance(weight, Tensor) or weight.is_complex():
        raise TypeError('expected weight to be None or a real tensor, got '
                        f'{type(weight).__name__}')
    n, _, h, w = seg_logits.shape
    if weight.ndim == 4 and weight.shape[1] == 1:
        weight = weight.squeeze(1)
    if tuple(weight.shape) != (n, h, w):
        raise ValueError(f'expected weight of shape (N, H, W) = {(n, h, w)}, '
                         f'got {tuple(weight.shape)}')
    with torch.no_grad():
        wf = weight.detach().float()
        if not bool(torch.isfinite(wf).all()) or bool(
            (wf < 0).any()) or bool((wf > 1).any()):
            raise ValueError('expected pixel weights in [0, 1], got values in '
                             f'[{float(wf.min()):.4g}, {float(wf.max()):.4g}]')
    return weight


def validate_class_weight(class_weight: Optional[Tensor],
                          num_classes: int) -> None:
    """Checks a class-weight tensor: one finite, non-negative entry per
    class, at least one of them positive.

    The same value rules as :func:`check_class_weight` (the loss modules'
    constructor check), for the functional API.

    Args:
        class_weight: ``None`` or a (C,) real tensor.
        num_classes: C, the number of classes of the logits.

    Raises:
        TypeError: If ``class_weight`` is not a real tensor.
        ValueError: If it is not of shape (C,), or holds a negative, NaN or
            infinite value, or only zeros.
    """
    if class_weight is None:
        return
    if not isinstance(class_weight, Tensor):
        raise TypeError('expected class_weight to be None or a real tensor, '
                        f'got {type(class_weight).__name__}')
    if class_weight.is_complex() or class_weight.dtype == torch.bool:
        raise TypeError('expected class_weight to be None or a real tensor, '
                        f'got {class_weight.dtype}')
    if class_weight.ndim != 1:
        raise ValueError(f'expected a 1-D class_weight of length C = '
                         f'{num_classes}, got shape '
                         f'{tuple(class_weight.shape)}')
    if class_weight.numel() != num_classes:
        raise ValueError(f'expected class_weight of length C = {num_classes}, '
                         f'got {class_weight.numel()}')
    _check_class_weight_values(
        class_weight.detach().double().cpu().tolist())


def validate_smoothing(smoothing: Tensor, target: Tensor) -> None:
    r"""Checks a per-pixel label-smoothing map of a hard target.

    The map holds :math:`\varepsilon_p` of the target
    :math:`(1 - \varepsilon_p)\,\mathrm{onehot}(l_p) + \varepsilon_p / C`;
    outside :math:`[0, 1]` that vector leaves the simplex, and a NaN would
    silently zero the loss.

    Args:
        smoothing: The (N, H, W) floating-point map.
        target: The hard (N, H, W) label map it smooths.

    Raises:
        TypeError: If ``smoothing`` is not a floating-point tensor.
        ValueError: If ``target`` is not a hard (N, H, W) map of the same
            shape, or a value is NaN, infinite or outside [0, 1].
    """
    if not isinstance(smoothing, Tensor) or not smoothing.is_floating_point():
        raise TypeError(f'expected smoothing to be a floating-point tensor, '
                        f'got {getattr(smoothing, "dtype", type(smoothing))}')
    if target.ndim != 3 or smoothing.shape != target.shape:
        raise ValueError(
            f'expected smoothing of the hard target\'s shape (N, H, W), got '
            f'{tuple(smoothing.shape)} for a target of shape '
            f'{tuple(target.shape)}')
    if smoothing.numel() == 0:
        return
    with torch.no_grad():
        lo, hi = (float(v) for v in torch.aminmax(smoothing.detach()))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError('expected a finite smoothing map, got NaN or '
                         'infinite values')
    if lo < 0 or hi > 1:
        raise ValueError('expected smoothing values in [0, 1], got values in '
                         f'[{lo:.4g}, {hi:.4g}]')


def validate_inputs(
        seg_logits: Tensor,
        target: Tensor,
        weight: Optional[Tensor],
        ignore_index: int,
        class_weight: Optional[Tensor] = None,
        allow_hard: bool = True,
        allow_soft: bool = True) -> Tuple[TargetKind, Optional[Tensor]]:
    """Runs every tensor check of a loss call.

    Args:
        seg_logits: (N, C, H, W) logits.
        target: (N, H, W) labels or (N, C, H, W) soft target.
        weight: Optional (N, H, W) or (N, 1, H, W) pixel weights.
        ignore_index: Label of uncounted pixels.
        class_weight: Optional (C,) class weights. Defaults to None.
        allow_hard: Whether hard targets are accepted. Defaults to True.
        allow_soft: Whether soft targets are accepted. Defaults to True.

    Returns:
        The target kind and the (N, H, W) weights (or ``None``).

    Raises:
        TypeError: See :func:`validate_logits`, :func:`validate_target`,
            :func:`validate_weight`.
        ValueError: Likewise, and for a class_weight of the wrong length.
    """
    validate_logits(seg_logits)
    check_ignore_index(ignore_index)
    kind = validate_target(seg_logits, target, ignore_index, allow_hard,
                           allow_soft)
    weight = validate_weight(seg_logits, weight)
    validate_class_weight(class_weight, seg_logits.shape[1])
    return kind, weight
