"""Jaccard metric losses and companions, registered in MMSeg's ``MODELS``."""
from .jaccard_metric_loss import DiceMetricLoss, JaccardMetricLoss
from .kl_divergence_loss import KLDivergenceLoss
from .soft_cross_entropy_loss import SoftCrossEntropyLoss

__all__ = [
    'JaccardMetricLoss', 'DiceMetricLoss', 'SoftCrossEntropyLoss',
    'KLDivergenceLoss'
]
