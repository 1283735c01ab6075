"""Segmentors that train on soft targets: soft ground truth, a frozen
distillation teacher, and a mean teacher for semi-supervised learning."""
from .distill_encoder_decoder import DistillEncoderDecoder
from .semi_encoder_decoder import SemiEncoderDecoder
from .soft_label_encoder_decoder import SoftLabelEncoderDecoder

__all__ = [
    'DistillEncoderDecoder', 'SemiEncoderDecoder', 'SoftLabelEncoderDecoder'
]
