"""Decode heads for architectures that MMSeg lacks."""
from .unet_head import UNetDecoderBlock, UNetHead

__all__ = ['UNetDecoderBlock', 'UNetHead']
from .plain_aspp_plus_head import PlainASPPPlusHead  # noqa: F401,E402
