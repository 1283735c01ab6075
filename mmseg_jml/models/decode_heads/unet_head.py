"""A UNet decoder over a multi-scale encoder, as an MMSeg decode head."""
from numbers import Integral
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

_UPSAMPLE_MODES = ('bilinear', 'nearest')


def _positive_int_tuple(value: Sequence[int], name: str) -> Tuple[int, ...]:
    """Check that ``value`` is a non-empty sequence of positive ints."""
    if not isinstance(value, (list, tuple)) or len(value) == 0:
        raise TypeError(f'expected {name} to be a non-empty list or tuple of '
                        f'ints, got {value!r}')
    for item in value:
        if isinstance(item, bool) or not isinstance(item, Integral) \
                or item < 1:
            raise ValueError(f'expected every entry of {name} to be a '
                             f'positive int, got {value!r}')
    return tuple(int(item) for item in value)


class UNetDecoderBlock(nn.Module):
    """Upsample, concatenate a skip feature, then two 3x3 conv-norm-act.

    Args:
        in_channels (int): Channels of the feature to upsample.
        skip_channels (int): Channels of the skip feature; 0 for a block
            without skip connection.
        out_channels (int): Channels of the output.
        conv_cfg (dict | None): Config of the conv layers. Defaults to None
            (``nn.Conv2d``).
        norm_cfg (dict | None): Config of the norm layers. Defaults to None
            (no normalisation, the convs then have a bias).
        act_cfg (dict | None): Config of the activations. Defaults to
            ``dict(type='ReLU')``.
        upsample_mode (str): ``'bilinear'`` or ``'nearest'``. Defaults to
            ``'bilinear'``.
        align_corners (bool): ``align_corners`` of bilinear upsampling.
            Defaults to False.
    """

    def __init__(self,
                 in_channels: int,
                 skip_channels: int,
                 out_channels: int,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 upsample_mode: str = 'bilinear',
                 align_corners: bool = False) -> None:
        super().__init__()
        self.skip_channels = skip_channels
        self.upsample_mode = upsample_mode
        self.align_corners = align_corners
        self.convs = nn.Sequential(
            ConvModule(
                in_channels + skip_channels,
                out_channels,
                3,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg),
            ConvModule(
                out_channels,
                out_channels,
                3,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg))

    def forward(self, x: Tensor, skip: Optional[Tensor] = None) -> Tensor:
        """Upsample ``x`` to the skip's size (or by 2 without skip), fuse.

        Args:
            x (Tensor): (N, in_channels, H, W).
            skip (Tensor, optional): (N, skip_channels, H', W'); None for a
                block built with ``skip_channels=0``.

        Returns:
            Tensor: (N, out_channels, H', W'), or (N, out_channels, 2H, 2W)
            without skip.
        """
        if skip is None:
            size = (x.shape[2] * 2, x.shape[3] * 2)
        else:
            size = tuple(skip.shape[2:])
        kwargs = dict(align_corners=self.align_corners) \
            if self.upsample_mode == 'bilinear' else {}
        x = F.interpolate(x, size=size, mode=self.upsample_mode, **kwargs)
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.convs(x)


@MODELS.register_module()
class UNetHead(BaseDecodeHead):
    """UNet decoder (Ronneberger et al., MICCAI 2015) over encoder features.

    The decoder of the UNets in the Jaccard metric loss paper (Wang et al.,
    NeurIPS 2023): features of a classification encoder at strides 2, 4, 8,
    16, 32 (e.g. MMSeg's ``TIMMBackbone`` with ``features_only=True``), the
    deepest one upsampled ×2 (bilinear) and concatenated with the next
    shallower one, then two 3×3 conv-norm-ReLU, and so on up to the
    shallowest feature. When ``decoder_channels`` has one entry more than
    there are skips, a last block without skip upsamples ×2 once more, so
    that with encoder strides 2…32 the logits come out at stride 1 (input
    resolution). The head's classifier (dropout, 1×1 conv ``conv_seg``)
    reads the last block's ``decoder_channels[-1]`` channels.

    Each block upsamples to the exact size of its skip feature, so inputs
    whose size is not a multiple of 32 work as well. The segmentor resizes
    the logits to the label size for the loss and to the input size for
    prediction (a no-op at stride 1).

    Args:
        in_channels (Sequence[int]): Channels of the selected encoder
            features, shallow (high resolution) to deep. At least two.
        decoder_channels (Sequence[int]): Output channels of the decoder
            blocks, deep to shallow. ``len(in_channels) - 1`` entries (one
            block per skip, logits at the shallowest feature's stride) or
            ``len(in_channels)`` entries (plus a last ×2 block without
            skip). Defaults to ``(256, 128, 64, 32, 16)``.
        in_index (Sequence[int]): Which encoder outputs to use, one per
            ``in_channels`` entry. Defaults to ``(0, 1, 2, 3, 4)``.
        upsample_mode (str): ``'bilinear'`` (as the paper's code) or
            ``'nearest'`` (as segmentation_models_pytorch). Defaults to
            ``'bilinear'``.
        **kwargs: Keyword arguments of
            :class:`~mmseg.models.decode_heads.decode_head.BaseDecodeHead`
            (``num_classes``, ``dropout_ratio``, ``conv_cfg``, ``norm_cfg``,
            ``act_cfg``, ``loss_decode``, ``ignore_index``,
            ``align_corners``, ``init_cfg``, ...). ``channels`` and
            ``input_transform`` are set by this head.

    Raises:
        TypeError: If ``in_channels``, ``decoder_channels`` or ``in_index``
            is not a list or tuple, or ``channels``/``input_transform`` is
            given.
        ValueError: If the lengths do not fit together, a channel count is
            not positive or ``upsample_mode`` is unknown.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 decoder_channels: Sequence[int] = (256, 128, 64, 32, 16),
                 in_index: Sequence[int] = (0, 1, 2, 3, 4),
                 upsample_mode: str = 'bilinear',
                 **kwargs) -> None:
        for name in ('channels', 'input_transform'):
            if name in kwargs:
                raise TypeError(
                    f'expected no {name!r} argument (UNetHead sets it: '
                    f'channels = decoder_channels[-1], input_transform = '
                    f"'multiple_select'), got {name}={kwargs[name]!r}")
        in_channels = _positive_int_tuple(in_channels, 'in_channels')
        decoder_channels = _positive_int_tuple(decoder_channels,
                                               'decoder_channels')
        if not isinstance(in_index, (list, tuple)):
            raise TypeError(f'expected in_index to be a list or tuple of '
                            f'ints, got {in_index!r}')
        if len(in_channels) < 2:
            raise ValueError(f'expected at least 2 encoder features, got '
                             f'in_channels={list(in_channels)}')
        if len(in_index) != len(in_channels):
            raise ValueError(
                f'expected one in_index per in_channels entry '
                f'({len(in_channels)}), got in_index={list(in_index)}')
        num_skips = len(in_channels) - 1
        if len(decoder_channels) not in (num_skips, num_skips + 1):
            raise ValueError(
                f'expected {num_skips} or {num_skips + 1} decoder_channels '
                f'for {len(in_channels)} encoder features, got '
                f'{list(decoder_channels)}')
        if upsample_mode not in _UPSAMPLE_MODES:
            raise ValueError(f'expected upsample_mode in {_UPSAMPLE_MODES}, '
                             f'got {upsample_mode!r}')
        super().__init__(
            in_channels=list(in_channels),
            channels=decoder_channels[-1],
            in_index=list(in_index),
            input_transform='multiple_select',
            **kwargs)
        self.decoder_channels = decoder_channels
        self.upsample_mode = upsample_mode

        skips = list(in_channels[-2::-1]) + [0]
        block_in = [in_channels[-1]] + list(decoder_channels[:-1])
        self.decoder_blocks = nn.ModuleList([
            UNetDecoderBlock(
                c_in,
                c_skip,
                c_out,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg,
                upsample_mode=upsample_mode,
                align_corners=self.align_corners)
            for c_in, c_skip, c_out in zip(block_in, skips, decoder_channels)
        ])

    def _forward_feature(self, inputs: List[Tensor]) -> Tensor:
        """Decode the selected encoder features (shallow to deep).

        Args:
            inputs (list[Tensor]): The backbone's outputs.

        Returns:
            Tensor: (N, decoder_channels[-1], H, W) decoded feature map.
        """
        feats = self._transform_inputs(inputs)
        x = feats[-1]
        skips = feats[-2::-1]
        for i, block in enumerate(self.decoder_blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x

    def forward(self, inputs: List[Tensor]) -> Tensor:
        """Decode and classify.

        Args:
            inputs (list[Tensor]): The backbone's outputs.

        Returns:
            Tensor: (N, num_classes, H, W) logits.
        """
        return self.cls_seg(self._forward_feature(inputs))
