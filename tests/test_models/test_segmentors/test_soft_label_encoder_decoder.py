"""SoftLabelEncoderDecoder and the soft-target head losses it uses."""
import copy
import math
import re

import pytest
import torch
import torch.nn.functional as F

import mmseg_jml  # noqa: F401,I001  (first: installs the mmcv.ops stand-in)
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.models.decode_heads import FCNHead
from mmseg.models.losses import CrossEntropyLoss
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from torch import nn

from mmseg_jml.models.losses import (DiceMetricLoss, JaccardMetricLoss,
                                     KLDivergenceLoss, SoftCrossEntropyLoss)
from mmseg_jml.models.segmentors import SoftLabelEncoderDecoder
from mmseg_jml.models.utils import (accepts_soft_target,
                                    check_soft_label_head, head_losses,
                                    stack_soft_targets)
from mmseg_jml.utils.runtime import revert_sync_bn_in_config

SOFT_LOSSES = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
    dict(type='JaccardMetricLoss', loss_weight=0.75)
]


@pytest.fixture(autouse=True)
def mmseg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def _model_cfg(synthetic_config):
    cfg = copy.deepcopy(Config.fromfile(synthetic_config).model)
    revert_sync_bn_in_config(cfg)
    cfg.type = 'SoftLabelEncoderDecoder'
    cfg.decode_head.loss_decode = copy.deepcopy(SOFT_LOSSES)
    return cfg


def _batch(num_classes=3, size=(32, 32), soft_size=None, batch=2, seed=0):
    """Inputs and data samples with a soft map whose arg-max is the label."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(batch, 3, *size, generator=gen)
    samples = []
    soft_size = soft_size or size
    for _ in range(batch):
        soft = torch.softmax(
            2 * torch.randn(num_classes, *soft_size, generator=gen), 0)
        label = torch.full((1, *size), 255, dtype=torch.long)
        label[0, :soft_size[0], :soft_size[1]] = soft.argmax(0)
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label)
        sample.gt_soft_sem_seg = PixelData(data=soft)
        sample.set_metainfo(dict(img_shape=size, pad_shape=size))
        samples.append(sample)
    return inputs, samples


def _one_hot_samples(samples, num_classes=3):
    out = []
    for sample in samples:
        sample = copy.deepcopy(sample)
        label = sample.gt_sem_seg.data[0]
        onehot = F.one_hot(label.clamp(max=num_classes - 1),
                           num_classes).permute(2, 0, 1).float()
        onehot[:, label == 255] = 0
        sample.gt_soft_sem_seg = PixelData(data=onehot)
        out.append(sample)
    return out


def _head(loss_decode, num_classes=3):
    return FCNHead(
        in_channels=4,
        channels=4,
        num_convs=1,
        num_classes=num_classes,
        loss_decode=loss_decode)


@pytest.mark.parametrize('loss,expected', [
    (JaccardMetricLoss(), True),
    (DiceMetricLoss(), True),
    (SoftCrossEntropyLoss(), True),
    (KLDivergenceLoss(), True),
    (CrossEntropyLoss(), False),
])
def test_accepts_soft_target_by_class(loss, expected):
    assert accepts_soft_target(loss) is expected


@pytest.mark.parametrize('flag', [True, False])
def test_accepts_soft_target_attribute_wins(flag):
    loss = CrossEntropyLoss() if flag else JaccardMetricLoss()
    loss.accepts_soft_target = flag
    assert accepts_soft_target(loss) is flag


def test_accepts_soft_target_attribute_must_be_bool():
    loss = CrossEntropyLoss()
    loss.accepts_soft_target = 'yes'
    with pytest.raises(TypeError, match='accepts_soft_target to be a bool'):
        accepts_soft_target(loss)


def test_head_losses_without_soft_targets_equal_mmseg():
    head = _head([
        dict(type='CrossEntropyLoss', loss_weight=0.5),
        dict(type='JaccardMetricLoss'),
        dict(type='SoftCrossEntropyLoss', loss_name='loss_ce')
    ])
    _, samples = _batch()
    logits = torch.randn(2, 3, 16, 16)
    ours = head_losses(head, logits, samples)
    theirs = head.loss_by_feat(logits, samples)
    assert ours.keys() == theirs.keys() == {'loss_ce', 'loss_jml', 'acc_seg'}
    for key in ours:
        torch.testing.assert_close(ours[key], theirs[key])


def test_head_losses_route_soft_and_hard_targets():
    head = _head([
        dict(type='CrossEntropyLoss', loss_name='loss_hard'),
        dict(type='JaccardMetricLoss'),
        dict(type='SoftCrossEntropyLoss')
    ])
    _, samples = _batch(size=(16, 16))
    soft = stack_soft_targets(samples, num_classes=3)
    label = torch.stack([s.gt_sem_seg.data[0] for s in samples])
    logits = torch.randn(2, 3, 8, 8, requires_grad=True)
    out = head_losses(head, logits, samples, soft)
    resized = F.interpolate(logits, (16, 16), mode='bilinear')
    torch.testing.assert_close(out['loss_hard'],
                               F.cross_entropy(resized, label))
    torch.testing.assert_close(out['loss_jml'],
                               JaccardMetricLoss()(resized, soft))
    torch.testing.assert_close(out['loss_ce'],
                               SoftCrossEntropyLoss()(resized, soft))
    assert out['loss_ce'] != SoftCrossEntropyLoss()(resized, label)
    torch.testing.assert_close(
        out['acc_seg'], head.loss_by_feat(logits, samples)['acc_seg'])


def test_head_losses_without_accuracy():
    head = _head(dict(type='KLDivergenceLoss'))
    _, samples = _batch(size=(8, 8))
    soft = stack_soft_targets(samples)
    out = head_losses(
        head, torch.randn(2, 3, 8, 8), samples, soft, with_accuracy=False)
    assert list(out) == ['loss_kl']


@pytest.mark.parametrize('shape', [(2, 4, 8, 8), (2, 3, 8, 6), (1, 3, 8, 8)])
def test_head_losses_reject_bad_soft_shape(shape):
    head = _head(dict(type='JaccardMetricLoss'))
    _, samples = _batch(size=(8, 8))
    with pytest.raises(ValueError, match=r'expected soft targets of shape'):
        head_losses(head, torch.randn(2, 3, 8, 8), samples,
                    torch.zeros(shape))


@pytest.mark.parametrize('dtype', [torch.float16, torch.float32])
def test_stack_soft_targets_keeps_half_precision(dtype):
    _, samples = _batch(size=(8, 8))
    for sample in samples:
        sample.gt_soft_sem_seg = PixelData(
            data=sample.gt_soft_sem_seg.data.to(dtype))
    soft = stack_soft_targets(samples, num_classes=3)
    assert soft.dtype == dtype
    samples[1].gt_soft_sem_seg = PixelData(
        data=samples[1].gt_soft_sem_seg.data.double())
    assert stack_soft_targets(samples).dtype == torch.float64


def test_half_precision_soft_maps_give_the_same_losses(synthetic_config):
    model = MODELS.build(_model_cfg(synthetic_config)).eval()
    inputs, samples = _batch()
    half = copy.deepcopy(samples)
    for sample in half:
        sample.gt_soft_sem_seg = PixelData(
            data=sample.gt_soft_sem_seg.data.half())
    single = copy.deepcopy(half)
    for sample in single:
        sample.gt_soft_sem_seg = PixelData(
            data=sample.gt_soft_sem_seg.data.float())
    with torch.no_grad():
        ours, reference = model.loss(inputs, half), model.loss(inputs, single)
    for key in reference:
        assert torch.equal(ours[key], reference[key]), key


@pytest.mark.parametrize('aux', [False, True])
def test_ignore_index_of_packed_maps_must_match_the_heads(
        synthetic_config, aux):
    cfg = _model_cfg(synthetic_config)
    if aux:  # the decode head agrees, the auxiliary head does not
        cfg.auxiliary_head = dict(
            type='FCNHead', in_channels=32, in_index=3, channels=8,
            num_convs=1, num_classes=3, ignore_index=0,
            loss_decode=dict(type='JaccardMetricLoss'))
    else:
        cfg.decode_head.ignore_index = 0
    model = MODELS.build(cfg)
    inputs, samples = _batch()
    for sample in samples:
        sample.gt_soft_sem_seg.set_metainfo(dict(ignore_index=255))
    head = 'aux head (0)' if aux else 'decode head (0)'
    with pytest.raises(ValueError, match=re.escape(
            f'ignore_index of the {head}, got '
            'PackSoftSegInputs(ignore_index=255)')):
        model.loss(inputs, samples)


def test_ignore_index_check_passes_on_agreement(synthetic_config):
    model = MODELS.build(_model_cfg(synthetic_config))
    inputs, samples = _batch()
    for sample in samples:
        sample.gt_soft_sem_seg.set_metainfo(dict(ignore_index=255))
    assert torch.isfinite(model.loss(inputs, samples)['decode.loss_jml'])


def test_stack_soft_targets_pads_to_label_size_with_zeros():
    _, samples = _batch(size=(10, 12), soft_size=(7, 9))
    soft = stack_soft_targets(samples, num_classes=3)
    assert soft.shape == (2, 3, 10, 12) and soft.dtype == torch.float32
    assert not soft[:, :, 7:].any() and not soft[:, :, :, 9:].any()
    torch.testing.assert_close(soft[0, :, :7, :9],
                               samples[0].gt_soft_sem_seg.data)


@pytest.mark.parametrize('change,match', [
    (lambda s: s[1].__delattr__('gt_soft_sem_seg'),
     'LoadSoftLabelMap and PackSoftSegInputs'),
    (lambda s: s[0].set_field(
        PixelData(data=torch.zeros(4, 8, 8)), 'gt_soft_sem_seg'),
     'with 3 classes'),
    (lambda s: s[0].set_field(
        PixelData(data=torch.zeros(3, 9, 8)), 'gt_soft_sem_seg'),
     'no larger than its hard label'),
])
def test_stack_soft_targets_errors(change, match):
    _, samples = _batch(size=(8, 8))
    change(samples)
    with pytest.raises(ValueError, match=match):
        stack_soft_targets(samples, num_classes=3)


def test_check_soft_label_head_rejects_custom_loss_by_feat():

    class CustomHead(FCNHead):

        def loss_by_feat(self, seg_logits, batch_data_samples):
            return {}

    head = CustomHead(in_channels=4, channels=4, num_classes=3)
    with pytest.raises(TypeError, match='overrides'):
        check_soft_label_head(head)
    with pytest.raises(TypeError, match='expected a BaseDecodeHead'):
        check_soft_label_head(nn.Conv2d(1, 1, 1))


def test_build_rejects_hard_label_losses_only(synthetic_config):
    cfg = _model_cfg(synthetic_config)
    cfg.decode_head.loss_decode = dict(type='CrossEntropyLoss')
    with pytest.raises(ValueError, match='at least one loss that accepts'):
        MODELS.build(cfg)


def test_loss_keys_and_aux_head(synthetic_config):
    cfg = _model_cfg(synthetic_config)
    cfg.auxiliary_head = dict(
        type='FCNHead',
        in_channels=32,
        in_index=3,
        channels=8,
        num_convs=1,
        num_classes=3,
        loss_decode=[
            dict(type='CrossEntropyLoss', loss_weight=0.4),
            dict(type='JaccardMetricLoss', loss_weight=0.4)
        ])
    model = MODELS.build(cfg)
    inputs, samples = _batch()
    losses = model.loss(inputs, samples)
    assert set(losses) == {
        'decode.loss_ce', 'decode.loss_jml', 'decode.acc_seg',
        'aux.loss_ce', 'aux.loss_jml', 'aux.acc_seg'
    }


def test_one_hot_soft_maps_reproduce_encoder_decoder(synthetic_config):
    """On one-hot soft maps the soft-target losses equal the hard-label ones:
    the segmentor then matches a plain EncoderDecoder exactly; on blurred
    maps it does not (the soft maps are used)."""
    torch.manual_seed(0)
    soft_model = MODELS.build(_model_cfg(synthetic_config)).eval()
    plain_cfg = _model_cfg(synthetic_config)
    plain_cfg.type = 'EncoderDecoder'
    plain_model = MODELS.build(plain_cfg).eval()
    plain_model.load_state_dict(soft_model.state_dict())
    inputs, samples = _batch()
    with torch.no_grad():
        plain = plain_model.loss(inputs, samples)
        one_hot = soft_model.loss(inputs, _one_hot_samples(samples))
        blurred = soft_model.loss(inputs, samples)
    assert one_hot.keys() == plain.keys()
    for key in plain:
        torch.testing.assert_close(one_hot[key], plain[key])
    assert not torch.isclose(blurred['decode.loss_ce'],
                             plain['decode.loss_ce'])


def test_class_count_mismatch_fails_at_first_batch(synthetic_config):
    model = MODELS.build(_model_cfg(synthetic_config))
    inputs, samples = _batch(num_classes=4)
    with pytest.raises(ValueError, match=r"3 classes \(the model's"):
        model.loss(inputs, samples)


def test_missing_soft_map_fails_at_first_batch(synthetic_config):
    model = MODELS.build(_model_cfg(synthetic_config))
    inputs, samples = _batch()
    del samples[0].gt_soft_sem_seg
    with pytest.raises(ValueError, match='PackSoftSegInputs'):
        model.loss(inputs, samples)


class _LossRecorder(Hook):

    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.losses.append(float(outputs['loss']))


SOFT_TRAIN_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadSoftLabelMap'),
    dict(type='RandomCrop', crop_size=(32, 32)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSoftSegInputs')
]


def train_losses(config_path, data_root, work_dir, model=None,
                 pipeline=None, soft=False, max_iters=15):
    """Train the fixture config in-process; the loss at every iteration."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(config_path)
    revert_sync_bn_in_config(cfg)
    if model is not None:
        cfg.merge_from_dict(dict(model=model))
    dataset = cfg.train_dataloader.dataset
    dataset.data_root = data_root
    if soft:
        dataset.data_prefix.soft_seg_map_path = 'soft_dir/train'
    if pipeline is not None:
        dataset.pipeline = pipeline
    cfg.merge_from_dict(
        dict(
            work_dir=work_dir,
            randomness=dict(seed=0),
            train_cfg=dict(max_iters=max_iters, val_interval=max_iters + 1),
            param_scheduler=[],
            optim_wrapper=dict(optimizer=dict(lr=0.05)),
            default_hooks=dict(
                checkpoint=dict(interval=max_iters + 1, save_last=False),
                logger=dict(interval=max_iters)),
            visualizer=dict(vis_backends=[])))
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    runner = Runner.from_cfg(cfg)
    recorder = _LossRecorder()
    runner.register_hook(recorder)
    runner.train()
    return recorder.losses


BLS = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
RUNS = {
    # issue 3: CE + JML on hard labels through a plain EncoderDecoder
    'ce-jml-hard':
    dict(model=dict(decode_head=dict(loss_decode=copy.deepcopy(SOFT_LOSSES)))),
    'soft-ground-truth':
    dict(
        model=dict(
            type='SoftLabelEncoderDecoder',
            decode_head=dict(loss_decode=SOFT_LOSSES)),
        pipeline=SOFT_TRAIN_PIPELINE,
        soft=True),
    'jml-bls':
    dict(
        model=dict(
            decode_head=dict(loss_decode=[
                dict(SOFT_LOSSES[0], target_transform=BLS),
                dict(SOFT_LOSSES[1], target_transform=BLS)
            ]))),
}


@pytest.mark.parametrize('name', sorted(RUNS))
def test_runner_loss_decreases(synthetic_config, synthetic_data_root,
                               tmp_path, name):
    losses = train_losses(synthetic_config, synthetic_data_root,
                          str(tmp_path), **copy.deepcopy(RUNS[name]))
    assert len(losses) == 15
    assert all(map(math.isfinite, losses))
    first, last = sum(losses[:3]) / 3, sum(losses[-3:]) / 3
    assert last < first, losses


def test_soft_demo_config_builds(repo_root):
    cfg = Config.fromfile(
        f'{repo_root}/configs/demo/'
        'jml-soft_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py')
    revert_sync_bn_in_config(cfg)
    model = MODELS.build(cfg.model)
    assert isinstance(model, SoftLabelEncoderDecoder)
    pipeline = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert pipeline[2] == 'LoadSoftLabelMap'
    assert pipeline[-1] == 'PackSoftSegInputs'
    assert cfg.train_dataloader.dataset.data_prefix.soft_seg_map_path == (
        'soft_dir/train')


def test_half_precision_maps_become_one_shared_float32_batch(
        synthetic_config, monkeypatch):
    """float16 maps are converted once, in the segmentor: the heads' losses
    receive one float32 batch (their own conversion is then a no-op, so no
    loss keeps a converted copy for its backward)."""
    import mmseg_jml.models.segmentors.soft_label_encoder_decoder as module
    model = MODELS.build(_model_cfg(synthetic_config))
    inputs, samples = _batch()
    for sample in samples:
        sample.gt_soft_sem_seg = PixelData(
            data=sample.gt_soft_sem_seg.data.half())
    seen = []

    def recording(head, logits, data_samples, soft_targets):
        seen.append(soft_targets)
        return head_losses(head, logits, data_samples, soft_targets)

    monkeypatch.setattr(module, 'head_losses', recording)
    model.loss(inputs, samples)
    assert seen and all(t is seen[0] for t in seen)
    assert seen[0].dtype == torch.float32
