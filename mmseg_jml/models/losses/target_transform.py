"""``target_transform`` of the soft-target losses: hard labels in, soft
targets out, inside the loss (MMSeg's data flow stays untouched).

A target transform is an ``nn.Module`` called as
``transform(label, num_classes, ignore_index) -> (N, C, H, W)`` soft target.
A transform may also offer the *structured* form
``transform.smoothing_map(label, num_classes, ignore_index) -> (N, H, W)``:
the per-pixel weight :math:`\\varepsilon_p` of the target
:math:`y_p = (1 - \\varepsilon_p)\\,\\mathrm{onehot}(l_p) + \\varepsilon_p / C`
(:class:`~mmseg_jml.models.losses.BoundaryLabelSmoothing` does). The losses
then never build the dense (N, C, H, W) target: away from the smoothed
pixels it is one-hot, which their functional core handles with a gather and
a scatter-add. Soft targets pass through unchanged (the loss modules warn
once when a transform is configured but a soft target arrives, see
:class:`~mmseg_jml.models.losses.utils.BaseSegLoss`).
"""
from typing import Optional, Tuple, Union

from mmseg.registry import MODELS
from torch import Tensor, nn

__all__ = ['TargetTransform', 'build_target_transform', 'transform_target']

#: A transform config (``dict(type=...)``), a module, or None.
TargetTransform = Optional[Union[dict, nn.Module]]


def build_target_transform(
        target_transform: TargetTransform) -> Optional[nn.Module]:
    """Build a target transform from a config dict, or keep a module.

    Args:
        target_transform (dict | nn.Module | None): The transform, e.g.
            ``dict(type='BoundaryLabelSmoothing', kernel_size=3,
            epsilon=0.5)``.

    Returns:
        nn.Module | None: The transform module.

    Raises:
        TypeError: If ``target_transform`` is of another type, or the config
            builds something that is not an ``nn.Module``.
    """
    if target_transform is None or isinstance(target_transform, nn.Module):
        return target_transform
    if not isinstance(target_transform, dict):
        raise TypeError(
            'expected target_transform to be a dict (config), an nn.Module '
            f'or None, got {type(target_transform).__name__}')
    module = MODELS.build(target_transform)
    if not isinstance(module, nn.Module):
        raise TypeError(f'expected target_transform to build an nn.Module, '
                        f'got {type(module).__name__}')
    return module


def transform_target(transform: Optional[nn.Module], target: Tensor,
                     num_classes: int,
                     ignore_index: int) -> Tuple[Tensor, Optional[Tensor]]:
    """Apply a target transform to a hard target.

    Args:
        transform (nn.Module | None): The transform.
        target (Tensor): (N, H, W) labels or (N, C, H, W) soft target.
        num_classes (int): Number of classes ``C``.
        ignore_index (int): Label of uncounted pixels.

    Returns:
        tuple: ``(target, smoothing)``. Without a transform, or for a soft
        target: ``(target, None)``. For a transform with ``smoothing_map``:
        ``(target, smoothing_map)``, the labels unchanged and the (N, H, W)
        weights. Otherwise ``(dense_target, None)``.
    """
    if transform is None or target.ndim != 3:
        return target, None
    if hasattr(transform, 'smoothing_map'):
        return target, transform.smoothing_map(target, num_classes,
                                               ignore_index)
    return transform(target, num_classes, ignore_index), None
