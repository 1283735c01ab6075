"""PlainASPPPlusHead: AugSeg's DeepLabV3+ decoder (plain convolutions)."""
import pytest
import torch

from mmseg_jml.models.decode_heads import PlainASPPPlusHead


def _head(**kwargs):
    args = dict(in_channels=16, in_index=1, channels=8, c1_in_channels=4,
                c1_channels=3, num_classes=5, dropout_ratio=0.0,
                align_corners=True, dilations=(1, 2, 3))
    args.update(kwargs)
    return PlainASPPPlusHead(**args)


def test_forward_shape_and_structure():
    torch.manual_seed(0)
    head = _head()
    inputs = [torch.randn(2, 4, 16, 12), torch.randn(2, 16, 4, 3)]
    out = head(inputs)
    assert out.shape == (2, 5, 16, 12)  # at the low-level resolution
    assert len(head.aspp_modules) == 3
    assert [m.conv.dilation[0] for m in head.aspp_modules] == [1, 2, 3]
    assert head.bottleneck.conv.in_channels == 4 * 8  # pool + 3 branches
    assert head.bottleneck.conv.kernel_size == (1, 1)
    assert head.c1_bottleneck.conv.bias is not None  # AugSeg: with bias
    fuse = [m.conv for m in head.sep_bottleneck]
    assert [c.in_channels for c in fuse] == [8 + 3, 8]
    assert all(c.groups == 1 and c.kernel_size == (3, 3) for c in fuse)


@pytest.mark.parametrize('kwargs,match', [
    (dict(dilations=(6, 12)), 'starting with 1'),
    (dict(c1_channels=0), 'positive c1'),
])
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _head(**kwargs)
