"""tools/ssl/convert_augseg_resnet.py on a synthetic AugSeg checkpoint (its
key names and shapes, random values; nothing is downloaded): every key maps,
the result loads strictly into the configs/ssl backbone (also through the
config's ``init_cfg``), and the converted MMSeg backbone computes what
AugSeg's ResNet computes (an independent functional reference)."""
import os.path as osp
import sys
from typing import Dict, Tuple

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import Tensor

import mmseg_jml  # noqa: F401
from mmseg.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
sys.path.insert(0, osp.join(REPO, 'tools', 'ssl'))
import convert_augseg_resnet as conv  # noqa: E402

SSL_MODEL = osp.join(REPO, 'configs', 'ssl', '_base_',
                     'deeplabv3plus_r101-d16-augseg.py')
BLOCKS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3)}


def _bn(state: Dict[str, Tensor], prefix: str, channels: int,
        generator: torch.Generator) -> None:
    state[prefix + 'weight'] = 1 + 0.1 * torch.randn(
        channels, generator=generator)
    state[prefix + 'bias'] = 0.1 * torch.randn(channels, generator=generator)
    state[prefix + 'running_mean'] = 0.1 * torch.randn(
        channels, generator=generator)
    state[prefix + 'running_var'] = 1 + torch.rand(
        channels, generator=generator)
    state[prefix + 'num_batches_tracked'] = torch.tensor(7)


def _conv(state: Dict[str, Tensor], key: str, shape: Tuple[int, ...],
          generator: torch.Generator) -> None:
    fan_in = shape[1] * shape[2] * shape[3]
    state[key] = torch.randn(*shape, generator=generator) / fan_in**0.5


def augseg_state_dict(depth: int = 101, seed: int = 0) -> Dict[str, Tensor]:
    """AugSeg's deep-stem ResNet keys and shapes (stem 3-64-64-128, then
    Bottlenecks of width 64/128/256/512 and expansion 4, a 1x1 + BN
    downsample in each first block) with an ImageNet ``fc``."""
    g = torch.Generator().manual_seed(seed)
    state: Dict[str, Tensor] = {}
    _conv(state, 'conv1.0.weight', (64, 3, 3, 3), g)
    _bn(state, 'conv1.1.', 64, g)
    _conv(state, 'conv1.3.weight', (64, 64, 3, 3), g)
    _bn(state, 'conv1.4.', 64, g)
    _conv(state, 'conv1.6.weight', (128, 64, 3, 3), g)
    _bn(state, 'bn1.', 128, g)
    inplanes = 128
    for stage, (planes, blocks) in enumerate(
            zip((64, 128, 256, 512), BLOCKS[depth]), start=1):
        for block in range(blocks):
            p = f'layer{stage}.{block}.'
            _conv(state, p + 'conv1.weight', (planes, inplanes, 1, 1), g)
            _bn(state, p + 'bn1.', planes, g)
            _conv(state, p + 'conv2.weight', (planes, planes, 3, 3), g)
            _bn(state, p + 'bn2.', planes, g)
            _conv(state, p + 'conv3.weight', (4 * planes, planes, 1, 1), g)
            _bn(state, p + 'bn3.', 4 * planes, g)
            if block == 0:
                _conv(state, p + 'downsample.0.weight',
                      (4 * planes, inplanes, 1, 1), g)
                _bn(state, p + 'downsample.1.', 4 * planes, g)
            inplanes = 4 * planes
    state['fc.weight'] = torch.randn(1000, 2048, generator=g)
    state['fc.bias'] = torch.randn(1000, generator=g)
    return state


def _ssl_backbone(checkpoint=None):
    cfg = Config.fromfile(SSL_MODEL)
    backbone = cfg.model.backbone
    backbone.norm_cfg = dict(type='BN', requires_grad=True)
    backbone.init_cfg = None if checkpoint is None else dict(
        type='Pretrained', checkpoint=checkpoint)
    init_default_scope('mmseg')
    return MODELS.build(backbone)


def _reference_forward(state: Dict[str, Tensor], x: Tensor) -> Tensor:
    """AugSeg's ResNet-101 (eval) as the configs/ssl model runs it: output
    stride 16, layer4 not strided, dilations 2/4/8 (multi_grid)."""

    def bn(t, p):
        return F.batch_norm(t, state[p + 'running_mean'],
                            state[p + 'running_var'], state[p + 'weight'],
                            state[p + 'bias'], False, 0.0, 1e-5)

    x = F.relu(bn(F.conv2d(x, state['conv1.0.weight'], stride=2, padding=1),
                  'conv1.1.'))
    x = F.relu(bn(F.conv2d(x, state['conv1.3.weight'], padding=1),
                  'conv1.4.'))
    x = F.relu(bn(F.conv2d(x, state['conv1.6.weight'], padding=1), 'bn1.'))
    x = F.max_pool2d(x, 3, 2, 1, ceil_mode=True)
    strides = (1, 2, 2, 1)
    dilations = ((1, 1, 1), (1, ) * 4, (1, ) * 23, (2, 4, 8))
    for stage in range(4):
        for block, dilation in enumerate(dilations[stage]):
            p = f'layer{stage + 1}.{block}.'
            stride = strides[stage] if block == 0 else 1
            out = F.relu(bn(F.conv2d(x, state[p + 'conv1.weight']), p + 'bn1.'))
            out = F.relu(
                bn(
                    F.conv2d(out, state[p + 'conv2.weight'], stride=stride,
                             padding=dilation, dilation=dilation),
                    p + 'bn2.'))
            out = bn(F.conv2d(out, state[p + 'conv3.weight']), p + 'bn3.')
            identity = x
            if block == 0:
                identity = bn(
                    F.conv2d(x, state[p + 'downsample.0.weight'],
                             stride=stride), p + 'downsample.1.')
            x = F.relu(out + identity)
    return x


@pytest.mark.parametrize('key, expected', [
    ('conv1.0.weight', 'stem.0.weight'),
    ('conv1.1.running_var', 'stem.1.running_var'),
    ('conv1.3.weight', 'stem.3.weight'),
    ('conv1.4.bias', 'stem.4.bias'),
    ('conv1.6.weight', 'stem.6.weight'),
    ('bn1.num_batches_tracked', 'stem.7.num_batches_tracked'),
    ('layer3.22.bn3.weight', 'layer3.22.bn3.weight'),
    ('layer4.0.downsample.1.running_mean',
     'layer4.0.downsample.1.running_mean'),
])
def test_convert_key(key, expected):
    assert conv.convert_key(key) == expected


@pytest.mark.parametrize('key', ['conv1.2.weight', 'conv1.7.weight',
                                 'layer5.0.conv1.weight', 'stem.0.weight',
                                 'decoder.head.weight'])
def test_convert_key_rejects_foreign_keys(key):
    with pytest.raises(ValueError, match='expected an AugSeg ResNet key'):
        conv.convert_key(key)


@pytest.mark.parametrize('wrap', ['plain', 'state_dict', 'module'])
def test_every_key_maps_and_loads_strict_into_the_ssl_backbone(wrap):
    source = augseg_state_dict(101)
    if wrap == 'state_dict':
        checkpoint = dict(state_dict=source, meta={})
    elif wrap == 'module':
        checkpoint = {'module.' + k: v for k, v in source.items()}
    else:
        checkpoint = source
    converted, dropped = conv.convert(checkpoint)
    assert sorted(dropped) == ['fc.bias', 'fc.weight']
    assert len(converted) == len(source) - 2
    assert conv.detect_architecture(converted) == (101, 128)
    backbone = _ssl_backbone()
    assert set(converted) == set(backbone.state_dict())
    backbone.load_state_dict(converted, strict=True)
    assert torch.equal(backbone.stem[7].running_mean,
                       source['bn1.running_mean'])
    assert torch.equal(backbone.layer4[2].conv2.weight,
                       source['layer4.2.conv2.weight'])


def test_converted_backbone_computes_augseg_resnet():
    torch.manual_seed(0)
    source = augseg_state_dict(101, seed=1)
    converted, _ = conv.convert(source)
    backbone = _ssl_backbone()
    backbone.load_state_dict(converted, strict=True)
    backbone.eval()
    # odd size: MMSeg's stem max-pool (ceil_mode False) and AugSeg's (True)
    # agree on odd sizes such as the 513 crops
    x = torch.randn(1, 3, 33, 33)
    with torch.no_grad():
        ours = backbone(x)[-1]
        reference = _reference_forward(source, x)
    assert ours.shape == reference.shape == (1, 2048, 3, 3)
    torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-4)


def test_main_writes_a_checkpoint_that_the_config_loads(tmp_path):
    source = augseg_state_dict(101, seed=2)
    for key in [k for k in source if k.endswith('num_batches_tracked')]:
        del source[key]  # old checkpoints lack the counters
    src, dst = tmp_path / 'resnet101.pth', tmp_path / 'out' / 'r101.pth'
    torch.save(source, src)
    conv.main([str(src), str(dst)])
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    assert saved['meta']['architecture'] == (
        'ResNetV1c(depth=101, stem_channels=128)')
    backbone = _ssl_backbone(checkpoint=str(dst))
    backbone.init_weights()  # the configs' Pretrained init_cfg path
    assert torch.equal(backbone.stem[0].weight, source['conv1.0.weight'])
    assert torch.equal(backbone.layer3[22].bn2.running_var,
                       source['layer3.22.bn2.running_var'])
    assert int(backbone.stem[7].num_batches_tracked) == 0


def test_depth_50_is_detected():
    converted, _ = conv.convert(augseg_state_dict(50))
    assert conv.detect_architecture(converted) == (50, 128)
    assert len(conv.verify(converted)) == len(converted)


@pytest.mark.parametrize('mutate, match', [
    (lambda s: [s.pop(k) for k in list(s) if k.startswith('layer3.22.')],
     r'blocks per stage .* got \(3, 4, 22, 3\)'),
    (lambda s: [s.pop(k) for k in list(s) if k.startswith('bn1.')],
     'expected a deep stem'),
    (lambda s: s.__setitem__('conv1.6.weight', torch.zeros(64, 64, 3, 3)),
     r'expected weights of ResNetV1c\(depth=101'),
])
def test_checkpoints_that_do_not_fit_are_rejected(mutate, match):
    source = augseg_state_dict(101)
    mutate(source)
    converted, _ = conv.convert(source)
    with pytest.raises(ValueError, match=match):
        conv.verify(converted)
