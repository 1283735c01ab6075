"""Jaccard metric losses and companions, registered in MMSeg's ``MODELS``."""
from .boundary_label_smoothing import BoundaryLabelSmoothing
from .jaccard_metric_loss import DiceMetricLoss, JaccardMetricLoss
from .kl_divergence_loss import KLDivergenceLoss
from .soft_cross_entropy_loss import SoftCrossEntropyLoss

__all__ = [
    'BoundaryLabelSmoothing', 'JaccardMetricLoss', 'DiceMetricLoss',
    'SoftCrossEntropyLoss', 'KLDivergenceLoss'
]
