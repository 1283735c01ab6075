"""Decode heads for architectures that MMSeg lacks."""
from .plain_aspp_plus_head import PlainASPPPlusHead
from .unet_head import UNetDecoderBlock, UNetHead

__all__ = ['PlainASPPPlusHead', 'UNetDecoderBlock', 'UNetHead']
