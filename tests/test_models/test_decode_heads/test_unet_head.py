"""Tests of :class:`mmseg_jml.models.decode_heads.UNetHead`."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmseg_jml  # noqa: F401  (registers the head)
from mmseg_jml.models.decode_heads import UNetHead
from mmseg_jml.utils.runtime import revert_sync_bn_in_config

MODEL_CONFIGS = {
    'resnet50d': 'unet-head_r50.py',
    'resnet18d': 'unet-head_r18.py',
    'mobilenetv2_100': 'unet-head_m-v2.py',
}


def _model_cfg(repo_root, encoder, **decode_overrides):
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', '_base_', 'models',
                 MODEL_CONFIGS[encoder]))
    # The paper's model bases start from ImageNet weights; tests run offline.
    assert cfg.model.backbone.pretrained is True
    cfg.model.backbone.pretrained = False
    assert cfg.model.backbone.model_name == encoder
    cfg.model.decode_head.update(decode_overrides)
    revert_sync_bn_in_config(cfg.model)
    return cfg.model


def _build(model_cfg):
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    return MODELS.build(model_cfg)


def _small_head(**kwargs):
    args = dict(
        in_channels=[4, 8, 16],
        decoder_channels=(8, 4),
        in_index=(0, 1, 2),
        num_classes=3)
    args.update(kwargs)
    return UNetHead(**args)


@pytest.mark.parametrize('encoder', sorted(MODEL_CONFIGS))
def test_output_shape_per_encoder(repo_root, encoder):
    """Logits at input resolution, one channel per class, for 2x3x64x64."""
    torch.manual_seed(0)
    model = _build(_model_cfg(repo_root, encoder)).eval()
    inputs = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = model.extract_feat(inputs)
        assert [f.shape[-1] for f in feats] == [32, 16, 8, 4, 2]
        assert [f.shape[1] for f in feats] == \
            model.decode_head.in_channels
        logits = model.decode_head(feats)
        seg_logits = model.encode_decode(inputs, [dict(img_shape=(64, 64))])
    assert logits.shape == (2, 6, 64, 64)
    assert seg_logits.shape == (2, 6, 64, 64)
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize('height,width', [(64, 64), (48, 80), (50, 70)])
def test_output_shape_odd_sizes(repo_root, height, width):
    """Sizes that are not multiples of 32 still decode to stride 1."""
    model = _build(_model_cfg(repo_root, 'resnet18d')).eval()
    with torch.no_grad():
        feats = model.extract_feat(torch.randn(1, 3, height, width))
        logits = model.decode_head(feats)
    expected = (2 * feats[0].shape[2], 2 * feats[0].shape[3])
    assert logits.shape[2:] == expected
    assert abs(expected[0] - height) <= 1 and abs(expected[1] - width) <= 1


@pytest.mark.parametrize('decoder_channels,stride', [((8, 4, 2), 1),
                                                     ((8, 4), 2)])
def test_decoder_depth_sets_output_stride(decoder_channels, stride):
    """One block per skip: stride of the shallowest feature; +1: half it."""
    head = _small_head(decoder_channels=decoder_channels)
    feats = [torch.randn(2, c, 32 // 2**i, 32 // 2**i)
             for i, c in enumerate((4, 8, 16))]
    out = head(feats)
    assert out.shape == (2, 3, 64 // stride, 64 // stride)
    assert head.channels == decoder_channels[-1]
    assert len(head.decoder_blocks) == len(decoder_channels)


@pytest.mark.parametrize('encoder', ['resnet18d', 'mobilenetv2_100'])
def test_training_step(repo_root, encoder):
    """A loss, a backward pass, gradients on every trainable parameter."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    model = _build(_model_cfg(repo_root, encoder)).train()
    inputs = torch.randn(2, 3, 64, 64)
    samples = []
    for i in range(2):
        label = torch.randint(0, 6, (1, 64, 64))
        label[:, :8] = 255  # unknown
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(64, 64), ori_shape=(64, 64),
                                 pad_shape=(64, 64)))
        samples.append(sample)
    losses = model.loss(inputs, samples)
    assert set(losses) >= {'decode.loss_ce', 'aux.loss_ce'}
    total = losses['decode.loss_ce'] + losses['aux.loss_ce']
    assert torch.isfinite(total) and total > 0
    total.backward()
    missing = [n for n, p in model.named_parameters()
               if p.requires_grad and (p.grad is None or
                                       not torch.isfinite(p.grad).all())]
    assert missing == []
    head_grads = [p.grad.abs().sum() for p in
                  model.decode_head.decoder_blocks.parameters()]
    assert all(g > 0 for g in head_grads)


def test_sgd_step_lowers_loss(repo_root):
    """A few SGD steps on one batch lower the decode loss."""
    torch.manual_seed(0)
    model = _build(_model_cfg(repo_root, 'resnet18d')).train()
    head = model.decode_head
    feats = [f.detach() for f in model.extract_feat(torch.randn(2, 3, 32,
                                                                32))]
    label = torch.randint(0, 6, (2, 32, 32))
    opt = torch.optim.SGD(head.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(5):
        loss = torch.nn.functional.cross_entropy(head(feats), label)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(in_channels=16), TypeError, 'in_channels'),
    (dict(in_channels=[]), TypeError, 'in_channels'),
    (dict(in_channels=[4, 0, 16]), ValueError, 'positive int'),
    (dict(in_channels=[4, 8.0, 16]), ValueError, 'positive int'),
    (dict(in_channels=[4], in_index=(0, ), decoder_channels=(4, )),
     ValueError, 'at least 2'),
    (dict(decoder_channels=(8, )), ValueError, '2 or 3 decoder_channels'),
    (dict(decoder_channels=(8, 4, 2, 1)), ValueError,
     '2 or 3 decoder_channels'),
    (dict(decoder_channels=(8, -4)), ValueError, 'positive int'),
    (dict(in_index=(0, 1)), ValueError, 'one in_index per'),
    (dict(in_index=0), TypeError, 'in_index'),
    (dict(upsample_mode='bicubic'), ValueError, 'upsample_mode'),
    (dict(channels=4), TypeError, 'channels'),
    (dict(input_transform='resize_concat'), TypeError, 'input_transform'),
])
def test_invalid_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        _small_head(**kwargs)


@pytest.mark.parametrize('mode', ['bilinear', 'nearest'])
def test_upsample_modes(mode):
    head = _small_head(upsample_mode=mode)
    feats = [torch.randn(1, c, 16 // 2**i, 16 // 2**i)
             for i, c in enumerate((4, 8, 16))]
    assert head(feats).shape == (1, 3, 16, 16)
