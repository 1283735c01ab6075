"""Decode heads for architectures that MMSeg lacks."""
from .unet_head import UNetDecoderBlock, UNetHead

__all__ = ['UNetDecoderBlock', 'UNetHead']
