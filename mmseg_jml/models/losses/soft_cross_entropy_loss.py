"""Cross-entropy with hard or soft targets as an MMSeg loss module."""
from typing import Optional, Sequence

from mmseg.registry import MODELS
from torch import Tensor

from .functional import soft_cross_entropy
from .target_transform import TargetTransform, build_target_transform
from .utils import BaseSegLoss


@MODELS.register_module()
class SoftCrossEntropyLoss(BaseSegLoss):
    """Cross-entropy accepting (N, H, W) labels or (N, C, H, W) soft targets.

    A weighted mean over counted pixels (see
    :func:`~mmseg_jml.models.losses.functional.soft_cross_entropy`); on hard
    labels it equals ``F.cross_entropy(weight=class_weight,
    ignore_index=ignore_index)``. A drop-in for MMSeg's
    ``CrossEntropyLoss`` in ``loss_decode``.

    Args:
        class_weight: Optional C class weights. Defaults to None.
        ignore_index: Label of uncounted pixels; a call-time value wins.
            Defaults to 255.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
        loss_name: Key in MMSeg's loss dict, starting with ``'loss_'``.
            Defaults to ``'loss_ce'``.
        target_transform: Optional transform of hard targets into soft ones
            inside the loss, a config dict or a module, e.g.
            ``dict(type='BoundaryLabelSmoothing', kernel_size=3,
            epsilon=0.5)``. A soft target is used unchanged, with a
            ``UserWarning`` once per module. Defaults to None.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If an argument has an invalid value.
    """

    def __init__(self,
                 class_weight: Optional[Sequence[float]] = None,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce',
                 target_transform: TargetTransform = None) -> None:
        super().__init__(loss_weight, loss_name, ignore_index, class_weight)
        self.target_transform = build_target_transform(target_transform)

    def forward(self,
                seg_logits: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None) -> Tensor:
        """Computes the loss.

        Args:
            seg_logits: (N, C, H, W) logits.
            target: (N, H, W) integer labels or (N, C, H, W) soft target.
            weight: Optional (N, H, W) or (N, 1, H, W) pixel weights in
                [0, 1]. Defaults to None.
            ignore_index: Overrides the constructor's ``ignore_index``.
                Defaults to None.

        Returns:
            ``loss_weight`` times the loss, a float32 scalar.

        Raises:
            TypeError: If a tensor has the wrong dtype.
            ValueError: On bad shapes, out-of-range labels, soft targets off
                the simplex, non-finite logits or a class_weight of the wrong
                length.
        """
        target, weight, smoothing, ignore_index = self._prepare(
            seg_logits, target, weight, ignore_index)
        loss = soft_cross_entropy(seg_logits, target, weight,
                                  self.class_weight, ignore_index,
                                  check_inputs=False, smoothing=smoothing)
        return self.loss_weight * loss
