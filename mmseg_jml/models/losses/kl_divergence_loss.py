"""Distillation KL divergence as an MMSeg loss module."""
from typing import Optional

from mmseg.registry import MODELS
from torch import Tensor

from .functional import kl_divergence
from .utils import BaseSegLoss
from .validation import check_real, validate_inputs


@MODELS.register_module()
class KLDivergenceLoss(BaseSegLoss):
    """``T^2 KL(teacher_probs || softmax(student_logits / T))`` per pixel.

    Averaged over counted pixels (see
    :func:`~mmseg_jml.models.losses.functional.kl_divergence`). The teacher
    probabilities must already be softened at the same temperature.

    Args:
        temperature: Distillation temperature ``T > 0``. Defaults to 1.0.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
        loss_name: Key in MMSeg's loss dict, starting with ``'loss_'``.
            Defaults to ``'loss_kl'``.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``temperature <= 0`` or another value is invalid.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_kl') -> None:
        super().__init__(loss_weight, loss_name)
        self.temperature = check_real(
            'temperature', temperature, 0.0, strict_minimum=True)

    def forward(self,
                student_logits: Tensor,
                teacher_probs: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: Optional[int] = None) -> Tensor:
        """Computes the loss.

        Args:
            student_logits: (N, C, H, W) student logits.
            teacher_probs: (N, C, H, W) teacher probabilities (softened at
                ``temperature``); all-zero pixels are not counted.
            weight: Optional (N, H, W) or (N, 1, H, W) pixel weights in
                [0, 1]. Defaults to None.
            ignore_index: Accepted for MMSeg's calling convention; soft
                targets have no ignore label. Defaults to None.

        Returns:
            ``loss_weight`` times the loss, a float32 scalar.

        Raises:
            TypeError: If a tensor has the wrong dtype.
            ValueError: On bad shapes (a hard label map included), teacher
                probabilities off the simplex or non-finite logits.
        """
        ignore_index = self._resolve_ignore_index(ignore_index)
        _, weight = validate_inputs(
            student_logits, teacher_probs, weight, ignore_index,
            allow_hard=False)
        loss = kl_divergence(student_logits, teacher_probs, weight,
                             self.temperature, check_inputs=False)
        return self.loss_weight * loss
