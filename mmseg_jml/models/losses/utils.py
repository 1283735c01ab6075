"""Configuration shared by the loss modules of :mod:`mmseg_jml`."""
import warnings
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor, nn

from .target_transform import transform_target
from .validation import (check_class_weight, check_ignore_index,
                         check_loss_name, check_real, validate_inputs)


class BaseSegLoss(nn.Module):
    """Holds what every loss module shares: weight, name, ignore index and
    class weights.

    Subclasses implement ``forward(seg_logits, target, weight=None,
    ignore_index=None)`` as: validate the tensors, apply the optional
    ``target_transform`` to a hard target
    (:mod:`~mmseg_jml.models.losses.target_transform`), call the functional
    core and multiply by ``loss_weight``. A soft target is never
    transformed: a loss with a ``target_transform`` that receives one
    (e.g. soft ground truth through ``SoftLabelEncoderDecoder``) uses it
    unchanged and warns once per module (``UserWarning``), since the
    configured transform then has no effect.

    Args:
        loss_weight: Multiplier of the loss. Defaults to 1.0.
        loss_name: Key of the loss in MMSeg's loss dict; must start with
            ``'loss_'``. Defaults to ``'loss'``-prefixed names in subclasses.
        ignore_index: Label of uncounted pixels, used when ``forward`` gets
            none. Defaults to 255.
        class_weight: Optional sequence of C non-negative class weights,
            stored as the non-persistent float32 buffer ``class_weight``.
            Defaults to None.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If ``loss_weight`` is negative or not finite, or
            ``loss_name`` / ``class_weight`` is invalid.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_seg',
                 ignore_index: int = 255,
                 class_weight: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        self.loss_weight = check_real('loss_weight', loss_weight, 0.0)
        self._loss_name = check_loss_name(loss_name)
        self.ignore_index = check_ignore_index(ignore_index)
        self.class_weight: Optional[torch.Tensor]
        self.register_buffer(
            'class_weight', check_class_weight(class_weight), persistent=False)
        self._warned_soft_target = False

    def _resolve_ignore_index(self, ignore_index: Optional[int]) -> int:
        """The call-time ``ignore_index`` (MMSeg's head passes its own) wins
        over the constructor's."""
        if ignore_index is None:
            return self.ignore_index
        return check_ignore_index(ignore_index)

    def _prepare(
        self, seg_logits: Tensor, target: Tensor, weight: Optional[Tensor],
        ignore_index: Optional[int]
    ) -> Tuple[Tensor, Optional[Tensor], Optional[Tensor], int]:
        """Validate the inputs and apply ``self.target_transform``.

        The shared first half of every ``forward``: resolve the ignore
        index, check the tensors, transform a hard target (a structured
        transform returns a per-pixel smoothing map; a dense one a soft
        target, which is then checked as well).

        Returns:
            tuple: ``(target, weight, smoothing, ignore_index)`` ready for the
            functional core (``weight`` normalised to (N, H, W) or None).
        """
        ignore_index = self._resolve_ignore_index(ignore_index)
        _, weight = validate_inputs(seg_logits, target, weight, ignore_index,
                                    self.class_weight)
        transform = getattr(self, 'target_transform', None)
        if transform is not None and target.ndim == 4:
            self._warn_soft_target(transform)
        target, smoothing = transform_target(transform, target,
                                             seg_logits.shape[1],
                                             ignore_index)
        if smoothing is None and target.ndim == 4 and transform is not None:
            validate_inputs(seg_logits, target, weight, ignore_index,
                            self.class_weight)
        return target, weight, smoothing, ignore_index

    def _warn_soft_target(self, transform: nn.Module) -> None:
        """Warn (once per module) that a soft target skips the transform."""
        if self._warned_soft_target:
            return
        self._warned_soft_target = True
        warnings.warn(
            f'{type(self).__name__} {self._loss_name!r} has target_transform='
            f'{type(transform).__name__} but received a soft (N, C, H, W) '
            'target: the transform applies to hard label maps only, so it is '
            'skipped and the soft target is used unchanged. Remove '
            'target_transform from this loss if it only sees soft targets '
            '(e.g. under SoftLabelEncoderDecoder). This warning is shown '
            'once per loss module.', UserWarning, stacklevel=3)

    @property
    def loss_name(self) -> str:
        """Key of the loss in MMSeg's loss dict."""
        return self._loss_name

    def extra_repr(self) -> str:
        return (f'loss_weight={self.loss_weight}, '
                f'loss_name={self._loss_name!r}, '
                f'ignore_index={self.ignore_index}')
