"""Cross-entropy with hard or soft targets as an MMSeg loss module."""
from typing import Optional, Sequence

from mmseg.registry import MODELS
from torch import Tensor

from .functional import soft_cross_entropy
from .utils import BaseSegLoss
from .validation import validate_inputs


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

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If an argument has an invalid value.
    """

    def __init__(self,
                 class_weight: Optional[Sequence[float]] = None,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce') -> None:
        super().__init__(loss_weight, loss_name, ignore_index, class_weight)

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
        ignore_index = self._resolve_ignore_index(ignore_index)
        _, weight = validate_inputs(seg_logits, target, weight, ignore_index,
                                    self.class_weight)
        loss = soft_cross_entropy(seg_logits, target, weight,
                                  self.class_weight, ignore_index,
                                  check_inputs=False)
        return self.loss_weight * loss
