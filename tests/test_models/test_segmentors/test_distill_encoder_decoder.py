"""DistillEncoderDecoder: frozen teacher, distillation losses, clear errors."""
import copy
import functools
import os.path as osp

import pytest
import torch

import mmseg_jml  # noqa: F401,I001  (first: installs the mmcv.ops stand-in)
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_jml.models.losses import JaccardMetricLoss, KLDivergenceLoss
from mmseg_jml.models.segmentors import DistillEncoderDecoder
from mmseg_jml.utils.runtime import revert_sync_bn_in_config

KD_LOSSES = [
    dict(type='KLDivergenceLoss', loss_weight=0.125, loss_name='loss_kd_kl'),
    dict(
        type='JaccardMetricLoss',
        active_classes='label',
        threshold=0.01,
        loss_weight=0.375,
        loss_name='loss_kd_jml')
]


@pytest.fixture(autouse=True)
def mmseg_scope():
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


@functools.lru_cache(maxsize=None)
def _fixture_model(synthetic_config):
    return Config.fromfile(synthetic_config).model


def _plain_cfg(synthetic_config, channels=16):
    cfg = copy.deepcopy(_fixture_model(synthetic_config))
    revert_sync_bn_in_config(cfg)
    cfg.backbone.base_channels = channels
    cfg.decode_head.in_channels = channels
    cfg.decode_head.channels = channels
    return cfg.to_dict()


def _write_teacher(directory, synthetic_config, name='teacher', channels=32,
                   extra=''):
    """A teacher config (the fixture, wider, SyncBN kept) and a checkpoint
    of its (randomly initialised) model."""
    config = osp.join(str(directory), f'{name}.py')
    with open(config, 'w') as f:
        f.write(f'_base_ = [{synthetic_config!r}]\n'
                f'model = dict(backbone=dict(base_channels={channels}), '
                f'decode_head=dict(in_channels={channels}, '
                f'channels={channels}))\n{extra}')
    teacher = MODELS.build(_plain_cfg(synthetic_config, channels))
    checkpoint = osp.join(str(directory), f'{name}.pth')
    torch.save({'state_dict': teacher.state_dict(), 'meta': {}}, checkpoint)
    return config, checkpoint


@pytest.fixture(scope='module')
def teacher_files(synthetic_config, tmp_path_factory):
    directory = tmp_path_factory.mktemp('teacher')
    with DefaultScope.overwrite_default_scope('mmseg'):
        return _write_teacher(directory, synthetic_config)


def _kd_cfg(synthetic_config, teacher_files, **overrides):
    cfg = _plain_cfg(synthetic_config)
    cfg.update(
        type='DistillEncoderDecoder',
        teacher_config=teacher_files[0],
        teacher_checkpoint=teacher_files[1],
        distill_losses=copy.deepcopy(KD_LOSSES))
    cfg.update(overrides)
    return cfg


def _aux_head(channels=16):
    return dict(
        type='FCNHead',
        in_channels=2 * channels,  # UNet decoder stage 3
        in_index=3,
        channels=channels,
        num_convs=1,
        concat_input=False,
        num_classes=3,
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))


def _batch(size=(32, 32), batch=2, seed=0):
    """A raw batch, as the dataloader gives it to ``train_step``."""
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(
            torch.randint(0, 256, (3, *size), generator=gen,
                          dtype=torch.uint8))
        label = torch.randint(0, 3, (1, *size), generator=gen)
        label[:, :2] = 255
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=label)
        sample.set_metainfo(dict(img_shape=size, ori_shape=size))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


# ----------------------------------------------------------------------
# the teacher is frozen and outside the student
# ----------------------------------------------------------------------
def test_teacher_frozen_through_training_steps(synthetic_config,
                                               teacher_files):
    model = MODELS.build(
        _kd_cfg(synthetic_config, teacher_files,
                auxiliary_head=_aux_head(),
                aux_distill_losses=[KD_LOSSES[0]]))
    model.init_weights()
    model.train()
    teacher = model.teacher
    teacher_before = _state(teacher)
    student_before = _state(model)
    optim_wrapper = build_optim_wrapper(
        model, dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)))
    teacher_ids = {id(p) for p in teacher.parameters()}
    optimised = {
        id(p)
        for group in optim_wrapper.optimizer.param_groups
        for p in group['params']
    }
    assert optimised and not optimised & teacher_ids
    for step in range(3):
        log = model.train_step(_batch(seed=step), optim_wrapper)
    assert {'decode.loss_kd_kl', 'decode.loss_kd_jml', 'aux.loss_kd_kl',
            'decode.loss_ce', 'aux.loss_ce'} <= set(log)
    assert not teacher.training and model.training
    for key, value in _state(teacher).items():
        assert torch.equal(value, teacher_before[key]), key
    assert all(p.grad is None and not p.requires_grad
               for p in teacher.parameters())
    # the student did learn, so the comparison above is not vacuous
    assert any(not torch.equal(v, student_before[k])
               for k, v in _state(model).items())


def test_state_dict_is_the_plain_students(synthetic_config, teacher_files):
    model = MODELS.build(_kd_cfg(synthetic_config, teacher_files))
    plain = MODELS.build(_plain_cfg(synthetic_config))
    assert type(plain) is EncoderDecoder
    assert set(model.state_dict()) == set(plain.state_dict())
    result = plain.load_state_dict(model.state_dict(), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    teacher_params = {id(p) for p in model.teacher.parameters()}
    assert not teacher_params & {id(p) for p in model.parameters()}
    assert all(m is not model.teacher for m in model.modules())


def test_teacher_follows_device_and_dtype_conversions(synthetic_config,
                                                      teacher_files):
    model = MODELS.build(_kd_cfg(synthetic_config, teacher_files))
    model.double()
    assert all(p.dtype == torch.float64 for p in model.teacher.parameters())
    model.to(torch.float32)
    assert all(p.dtype == torch.float32 for p in model.teacher.parameters())


def test_teacher_runs_once_per_batch(synthetic_config, teacher_files):
    model = MODELS.build(
        _kd_cfg(synthetic_config, teacher_files,
                auxiliary_head=_aux_head(),
                aux_distill_losses=[KD_LOSSES[0]]))
    calls = []
    model.teacher.backbone.register_forward_hook(
        lambda *args: calls.append(1))
    data = model.data_preprocessor(_batch(), True)
    model.loss(data['inputs'], data['data_samples'])
    assert len(calls) == 1


# ----------------------------------------------------------------------
# the losses
# ----------------------------------------------------------------------
@pytest.mark.parametrize('temperature', [1.0, 2.0])
def test_distill_losses_get_student_logits_and_teacher_probs(
        synthetic_config, teacher_files, temperature):
    losses = copy.deepcopy(KD_LOSSES)
    losses[0]['temperature'] = temperature
    model = MODELS.build(
        _kd_cfg(synthetic_config, teacher_files, temperature=temperature,
                distill_losses=losses))
    model.eval()  # deterministic student (no dropout, BN running stats)
    data = model.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    result = model.loss(inputs, samples)
    with torch.no_grad():
        teacher = model.teacher
        t_logits = teacher.decode_head(teacher.extract_feat(inputs))
        s_logits = model.decode_head(model.extract_feat(inputs))
    probs = torch.softmax(t_logits / temperature, 1)
    kl = KLDivergenceLoss(temperature=temperature, loss_weight=0.125)
    jml = JaccardMetricLoss(
        active_classes='label', threshold=0.01, loss_weight=0.375)
    torch.testing.assert_close(result['decode.loss_kd_kl'],
                               kl(s_logits, probs))
    torch.testing.assert_close(result['decode.loss_kd_jml'],
                               jml(s_logits, probs))
    # the ground-truth loss is MMSeg's own
    gt = model.decode_head.loss_by_feat(s_logits, samples)
    torch.testing.assert_close(result['decode.loss_ce'], gt['loss_ce'])
    assert result['decode.loss_kd_kl'].requires_grad


def test_padding_is_not_distilled():
    samples = []
    for pad in [(0, 8, 0, 4), (0, 0, 0, 0)]:
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(data=torch.zeros(1, 16, 16).long())
        sample.set_metainfo(dict(padding_size=pad))
        samples.append(sample)
    weight = DistillEncoderDecoder.padding_weight(samples, (16, 16))
    expected = torch.ones(2, 16, 16)
    expected[0, :, 8:] = 0
    expected[0, 12:] = 0
    torch.testing.assert_close(weight, expected)
    assert DistillEncoderDecoder.padding_weight(samples[1:], (16, 16)) is None


def test_padded_batch_trains(synthetic_config, teacher_files):
    model = MODELS.build(_kd_cfg(synthetic_config, teacher_files))
    data = model.data_preprocessor(_batch(size=(24, 20)), True)
    assert data['inputs'].shape[-2:] == (32, 32)
    result = model.loss(data['inputs'], data['data_samples'])
    assert torch.isfinite(result['decode.loss_kd_jml'])


# ----------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------
@pytest.mark.parametrize('temperature,error,match', [
    (0.0, ValueError, 'expected temperature > 0'),
    (-1.0, ValueError, 'expected temperature > 0'),
    (float('nan'), ValueError, 'expected temperature > 0'),
    (True, TypeError, 'expected temperature to be a real number'),
    ('1', TypeError, 'expected temperature to be a real number'),
])
def test_bad_temperature(synthetic_config, teacher_files, temperature, error,
                         match):
    with pytest.raises(error, match=match):
        MODELS.build(
            _kd_cfg(synthetic_config, teacher_files, temperature=temperature))


def test_kl_temperature_must_match(synthetic_config, teacher_files):
    with pytest.raises(ValueError, match='temperature 2.0, got 1.0'):
        MODELS.build(
            _kd_cfg(synthetic_config, teacher_files, temperature=2.0))


@pytest.mark.parametrize('losses,error,match', [
    ([], ValueError, 'at least one loss in distill_losses'),
    ('KLDivergenceLoss', TypeError, 'loss config dict or a list'),
    ([dict(type='CrossEntropyLoss', loss_name='loss_kd_ce')], TypeError,
     'to take soft'),
    ([KD_LOSSES[0], KD_LOSSES[0]], ValueError, 'distinct loss_name'),
    ([dict(type='JaccardMetricLoss')], ValueError,
     r"\['loss_jml'\] in both"),
])
def test_bad_distill_losses(synthetic_config, teacher_files, losses, error,
                            match):
    cfg = _kd_cfg(synthetic_config, teacher_files, distill_losses=losses)
    cfg['decode_head']['loss_decode'] = [
        dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
        dict(type='JaccardMetricLoss', loss_weight=0.75)
    ]
    with pytest.raises(error, match=match):
        MODELS.build(cfg)


def test_aux_distill_losses_need_an_aux_head(synthetic_config,
                                             teacher_files):
    with pytest.raises(ValueError, match='expected an auxiliary_head'):
        MODELS.build(
            _kd_cfg(synthetic_config, teacher_files,
                    aux_distill_losses=[KD_LOSSES[0]]))


@pytest.mark.parametrize('which', ['config', 'checkpoint'])
def test_missing_teacher_files(synthetic_config, teacher_files, tmp_path,
                               which):
    missing = str(tmp_path / f'missing.{which}')
    files = (missing, teacher_files[1]) if which == 'config' else (
        teacher_files[0], missing)
    with pytest.raises(FileNotFoundError, match=f'teacher {which} not found'):
        MODELS.build(_kd_cfg(synthetic_config, files))


def test_unreadable_teacher_config(synthetic_config, teacher_files,
                                   tmp_path):
    config = tmp_path / 'broken.py'
    config.write_text('model = dict(\n')
    with pytest.raises(ValueError, match='could not read the teacher config'):
        MODELS.build(
            _kd_cfg(synthetic_config, (str(config), teacher_files[1])))


def test_corrupt_teacher_checkpoint(synthetic_config, teacher_files,
                                    tmp_path):
    checkpoint = tmp_path / 'corrupt.pth'
    checkpoint.write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError,
                       match='could not read the teacher checkpoint'):
        MODELS.build(
            _kd_cfg(synthetic_config, (teacher_files[0], str(checkpoint))))


def test_checkpoint_with_wrong_shapes(synthetic_config, teacher_files,
                                      tmp_path):
    _, small = _write_teacher(tmp_path, synthetic_config, channels=16)
    with pytest.raises(RuntimeError, match='does not fit the teacher config'
                       '(.|\n)*size mismatch'):
        MODELS.build(_kd_cfg(synthetic_config, (teacher_files[0], small)))


def test_checkpoint_with_missing_keys(synthetic_config, teacher_files,
                                      tmp_path):
    state = torch.load(teacher_files[1])['state_dict']
    del state['decode_head.conv_seg.weight']
    state['extra.weight'] = torch.zeros(1)
    checkpoint = str(tmp_path / 'partial.pth')
    torch.save({'state_dict': state}, checkpoint)
    with pytest.raises(RuntimeError, match=r'1 missing .*conv_seg.weight'
                       r".*1 unexpected .*extra.weight"):
        MODELS.build(_kd_cfg(synthetic_config,
                             (teacher_files[0], checkpoint)))


def test_class_count_mismatch(synthetic_config, tmp_path):
    config, _ = _write_teacher(
        tmp_path, synthetic_config,
        extra='model.update(decode_head=dict(in_channels=32, channels=32, '
        'num_classes=4))\n')
    four = _plain_cfg(synthetic_config, 32)
    four['decode_head']['num_classes'] = 4
    checkpoint = str(tmp_path / 'four.pth')
    torch.save({'state_dict': MODELS.build(four).state_dict()}, checkpoint)
    with pytest.raises(ValueError,
                       match=r"student's num_classes \(3\), got 4"):
        MODELS.build(_kd_cfg(synthetic_config, (config, checkpoint)))


def test_normalisation_mismatch(synthetic_config, tmp_path):
    config, checkpoint = _write_teacher(
        tmp_path, synthetic_config,
        extra='model.update(data_preprocessor=dict(mean=[0, 0, 0], '
        'std=[1, 1, 1]))\n')
    with pytest.raises(ValueError, match='normalise inputs like the'):
        MODELS.build(_kd_cfg(synthetic_config, (config, checkpoint)))

