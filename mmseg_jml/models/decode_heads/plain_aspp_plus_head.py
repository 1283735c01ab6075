"""DeepLabV3+ decoder with plain (not depthwise-separable) convolutions, as
AugSeg (and CPS/U2PL) build it."""
from typing import List, Sequence

import torch
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor, nn

__all__ = ['PlainASPPPlusHead']


@MODELS.register_module()
class PlainASPPPlusHead(BaseDecodeHead):
    """DeepLabV3+ head of AugSeg's ``dec_deeplabv3_plus``.

    Differs from MMSeg's ``DepthwiseSeparableASPPHead`` in using plain
    convolutions everywhere and a 1x1 ASPP bottleneck:

    - ASPP on ``inputs[in_index]``: image pooling (global average, 1x1
      conv), a 1x1 conv and 3x3 convs with ``dilations[1:]``, each
      ``channels`` wide with norm and activation and no bias; the
      concatenation goes through a 1x1 conv (norm, activation) to
      ``channels``;
    - low-level features ``inputs[c1_in_index]`` -> 1x1 conv with bias to
      ``c1_channels`` (norm, activation);
    - the ASPP output, bilinearly resized to the low-level size, is
      concatenated with them and fused by two 3x3 convs (``channels``, norm,
      activation), then ``conv_seg``.

    Set ``dropout_ratio=0`` and ``align_corners=True`` for AugSeg's head.

    Args:
        dilations (Sequence[int]): ASPP dilations; the first must be 1 (the
            1x1 branch). Defaults to (1, 6, 12, 18).
        c1_in_channels (int): Channels of the low-level features. Defaults
            to 256.
        c1_channels (int): Channels after their 1x1 conv. Defaults to 48.
        c1_in_index (int): Index of the low-level features in the backbone
            outputs. Defaults to 0.
        **kwargs: ``BaseDecodeHead`` arguments (``in_channels``,
            ``channels``, ``num_classes``, ...), passed through unchanged.

    Raises:
        ValueError: If ``dilations`` does not start with 1 or a channel
            count is not positive.
    """

    def __init__(self,
                 dilations: Sequence[int] = (1, 6, 12, 18),
                 c1_in_channels: int = 256,
                 c1_channels: int = 48,
                 c1_in_index: int = 0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not dilations or dilations[0] != 1:
            raise ValueError(f'expected dilations starting with 1 (the 1x1 '
                             f'branch), got {tuple(dilations)}')
        if c1_in_channels < 1 or c1_channels < 1:
            raise ValueError(f'expected positive c1_in_channels and '
                             f'c1_channels, got {c1_in_channels} and '
                             f'{c1_channels}')
        common = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.dilations = tuple(dilations)
        self.c1_in_index = c1_in_index
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(self.in_channels, self.channels, 1, **common))
        self.aspp_modules = ASPPModule(self.dilations, self.in_channels,
                                       self.channels, **common)
        self.bottleneck = ConvModule(
            (len(self.dilations) + 1) * self.channels, self.channels, 1,
            **common)
        self.c1_bottleneck = ConvModule(
            c1_in_channels, c1_channels, 1, bias=True, **common)
        self.sep_bottleneck = nn.Sequential(
            ConvModule(
                self.channels + c1_channels,
                self.channels,
                3,
                padding=1,
                **common),
            ConvModule(
                self.channels, self.channels, 3, padding=1, **common))

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Logits at the low-level features' resolution.

        Args:
            inputs (list[Tensor]): Backbone outputs.

        Returns:
            Tensor: (N, num_classes, H_c1, W_c1) logits.
        """
        x = self._transform_inputs(inputs)
        pooled = resize(
            self.image_pool(x),
            size=x.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        aspp = self.bottleneck(
            torch.cat([pooled] + self.aspp_modules(x), dim=1))
        c1 = self.c1_bottleneck(inputs[self.c1_in_index])
        aspp = resize(
            aspp,
            size=c1.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return self.cls_seg(self.sep_bottleneck(torch.cat([aspp, c1], dim=1)))
