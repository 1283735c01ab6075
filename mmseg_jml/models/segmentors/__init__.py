"""Segmentors that train on soft targets."""
from .distill_encoder_decoder import DistillEncoderDecoder
from .soft_label_encoder_decoder import SoftLabelEncoderDecoder

__all__ = ['DistillEncoderDecoder', 'SoftLabelEncoderDecoder']
from .semi_encoder_decoder import SemiEncoderDecoder  # noqa: F401,E402
