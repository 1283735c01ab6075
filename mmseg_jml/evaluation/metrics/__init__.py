"""Evaluation metrics registered in MMSeg's ``METRICS``."""
from .calibration_metric import CalibrationMetric
from .fine_grained_iou_metric import FineGrainedIoUMetric

__all__ = ['CalibrationMetric', 'FineGrainedIoUMetric']
