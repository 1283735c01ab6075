"""Jaccard and Dice metric losses as MMSeg loss modules."""
from typing import Optional, Sequence

from mmseg.registry import MODELS
from torch import Tensor

from .functional import (ActiveMode, Variant, _check_jml_config,
                         _canonical_variant, jaccard_metric_loss)
from .target_transform import TargetTransform, build_target_transform
from .utils import BaseSegLoss
from .validation import check_real


def _check_bool(name: str, value: bool) -> bool:
    if not isinstance(value, bool):
        raise TypeError(
            f'expected {name} to be a bool, got {type(value).__name__}')
    return value


@MODELS.register_module()
class JaccardMetricLoss(BaseSegLoss):
    """Jaccard metric loss (JML) of Wang, Ning & Blaschko (NeurIPS 2023).

    Accepts hard (N, H, W) label maps and soft (N, C, H, W) targets; see
    :func:`~mmseg_jml.models.losses.functional.jaccard_metric_loss` for the
    formula. Usable as (one of the) ``loss_decode`` of any MMSeg decode
    head, e.g. ``[dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
    dict(type='JaccardMetricLoss', loss_weight=0.75)]``; with
    ``target_transform=dict(type='BoundaryLabelSmoothing')`` on both, the
    paper's JML-BLS.

    Args:
        variant: ``'jml1'`` (L1 form), ``'jml2'`` (product form), or the
            classic soft Jaccard loss ``'sjl_l1'`` (alias ``'sjl'``) /
            ``'sjl_l2'`` (squared-L2 cardinalities; requires ``alpha ==
            beta``). Defaults to ``'jml1'``.
        alpha: Tversky weight of false positives. Defaults to 1.0.
        beta: Tversky weight of false negatives. Defaults to 1.0.
        gamma: Focal exponent, >= 1. Defaults to 1.0.
        smooth: Smoothing constant, >= 0. Defaults to 1.0.
        log_loss: Whether to use ``-log(score)``. Defaults to False.
        weight_dataset: Weight of the mIoU^D (batch) term. Defaults to 1.0.
        weight_image: Weight of the mIoU^I term. Defaults to 0.0.
        weight_class: Weight of the mIoU^C term. Defaults to 0.0.
        active_classes: ``None`` (``'present'`` for hard targets, ``'all'``
            for soft), ``'all'``, ``'present'``, ``'label'``, ``'prob'`` or
            ``'both'``. Defaults to None.
        threshold: Threshold of ``label``/``prob``/``both``, >= 0. Defaults
            to 0.01.
        class_weight: Optional C class weights: each class's loss is
            multiplied by its weight and the mean runs over the active
            classes (divided by their count, not by the sum of their
            weights), as in the official code. Defaults to None.
        ignore_index: Label of uncounted pixels; a call-time value wins.
            Defaults to 255.
        reduce_across_ranks: Whether to all-reduce (differentiably) the
            per-class statistics of the D term so that every rank's loss is
            the global batch's. Defaults to False.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
        loss_name: Key in MMSeg's loss dict, starting with ``'loss_'``.
            Defaults to ``'loss_jml'``.
        target_transform: Optional transform of hard targets into soft ones
            inside the loss, a config dict (built from ``MODELS``) or a
            module, e.g. ``dict(type='BoundaryLabelSmoothing',
            kernel_size=3, epsilon=0.5)`` (see
            :mod:`~mmseg_jml.models.losses.target_transform`). The
            transformed target is soft, so the default active classes are
            ``'all'``. A soft target is used unchanged, with a
            ``UserWarning`` once per module (the transform has no effect
            on it). Defaults to None.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If an argument has an invalid value (e.g. ``gamma < 1``,
            negative weights, unknown ``variant`` or ``active_classes``,
            ``'sjl_l2'`` with ``alpha != beta``).
    """

    def __init__(self,
                 variant: Variant = 'jml1',
                 alpha: float = 1.0,
                 beta: float = 1.0,
                 gamma: float = 1.0,
                 smooth: float = 1.0,
                 log_loss: bool = False,
                 weight_dataset: float = 1.0,
                 weight_image: float = 0.0,
                 weight_class: float = 0.0,
                 active_classes: Optional[ActiveMode] = None,
                 threshold: float = 0.01,
                 class_weight: Optional[Sequence[float]] = None,
                 ignore_index: int = 255,
                 reduce_across_ranks: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_jml',
                 target_transform: TargetTransform = None) -> None:
        super().__init__(loss_weight, loss_name, ignore_index, class_weight)
        self.target_transform = build_target_transform(target_transform)
        _check_jml_config(variant, alpha, beta, gamma, smooth, weight_dataset,
                          weight_image, weight_class, active_classes,
                          threshold)
        self.variant = _canonical_variant(variant)
        self.alpha = check_real('alpha', alpha)
        self.beta = check_real('beta', beta)
        self.gamma = check_real('gamma', gamma)
        self.smooth = check_real('smooth', smooth)
        self.log_loss = _check_bool('log_loss', log_loss)
        self.weight_dataset = check_real('weight_dataset', weight_dataset)
        self.weight_image = check_real('weight_image', weight_image)
        self.weight_class = check_real('weight_class', weight_class)
        self.active_classes = active_classes
        self.threshold = check_real('threshold', threshold)
        self.reduce_across_ranks = _check_bool('reduce_across_ranks',
                                               reduce_across_ranks)

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
                [0, 1], a measure on the pixels: every cardinality is a
                weighted sum (see the functional core). Defaults to None.
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
        loss = jaccard_metric_loss(
            seg_logits,
            target,
            weight,
            variant=self.variant,
            alpha=self.alpha,
            beta=self.beta,
            gamma=self.gamma,
            smooth=self.smooth,
            log_loss=self.log_loss,
            weight_dataset=self.weight_dataset,
            weight_image=self.weight_image,
            weight_class=self.weight_class,
            active_classes=self.active_classes,
            threshold=self.threshold,
            class_weight=self.class_weight,
            ignore_index=ignore_index,
            reduce_across_ranks=self.reduce_across_ranks,
            check_inputs=False,
            smoothing=smoothing)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'variant={self.variant!r}, alpha={self.alpha}, '
                f'beta={self.beta}, gamma={self.gamma}, '
                f'smooth={self.smooth}, ' + super().extra_repr())


@MODELS.register_module()
class DiceMetricLoss(JaccardMetricLoss):
    """Dice semimetric loss: :class:`JaccardMetricLoss` with
    ``alpha = beta = 0.5`` and ``loss_name='loss_dml'`` by default.

    Args:
        variant: See :class:`JaccardMetricLoss`. Defaults to ``'jml1'``.
        alpha: Weight of false positives. Defaults to 0.5.
        beta: Weight of false negatives. Defaults to 0.5.
        gamma: Focal exponent, >= 1. Defaults to 1.0.
        smooth: Smoothing constant. Defaults to 1.0.
        log_loss: Whether to use ``-log(score)``. Defaults to False.
        weight_dataset: Weight of the D term. Defaults to 1.0.
        weight_image: Weight of the I term. Defaults to 0.0.
        weight_class: Weight of the C term. Defaults to 0.0.
        active_classes: Active-class mode or None. Defaults to None.
        threshold: Threshold of the thresholded modes. Defaults to 0.01.
        class_weight: Optional C class weights. Defaults to None.
        ignore_index: Label of uncounted pixels. Defaults to 255.
        reduce_across_ranks: Whether to all-reduce the D statistics.
            Defaults to False.
        loss_weight: Multiplier of the loss. Defaults to 1.0.
        loss_name: Key in MMSeg's loss dict. Defaults to ``'loss_dml'``.
        target_transform: Optional transform of hard targets, see
            :class:`JaccardMetricLoss`. Defaults to None.

    Raises:
        TypeError: If an argument has the wrong type.
        ValueError: If an argument has an invalid value.
    """

    def __init__(self,
                 variant: Variant = 'jml1',
                 alpha: float = 0.5,
                 beta: float = 0.5,
                 gamma: float = 1.0,
                 smooth: float = 1.0,
                 log_loss: bool = False,
                 weight_dataset: float = 1.0,
                 weight_image: float = 0.0,
                 weight_class: float = 0.0,
                 active_classes: Optional[ActiveMode] = None,
                 threshold: float = 0.01,
                 class_weight: Optional[Sequence[float]] = None,
                 ignore_index: int = 255,
                 reduce_across_ranks: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_dml',
                 target_transform: TargetTransform = None) -> None:
        super().__init__(variant, alpha, beta, gamma, smooth, log_loss,
                         weight_dataset, weight_image, weight_class,
                         active_classes, threshold, class_weight,
                         ignore_index, reduce_across_ranks, loss_weight,
                         loss_name, target_transform)
