"""DistillEncoderDecoder: frozen teacher, distillation losses, clear errors."""
import copy
import functools
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

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
                   extra='', model=None):
    """A teacher config (the fixture, wider, SyncBN kept, ``model`` merged
    in) and a checkpoint of its (randomly initialised) model."""
    config = osp.join(str(directory), f'{name}.py')
    model = dict(model or {})
    with open(config, 'w') as f:
        f.write(f'_base_ = [{synthetic_config!r}]\n'
                f'model = dict(backbone=dict(base_channels={channels}), '
                f'decode_head=dict(in_channels={channels}, '
                f'channels={channels}))\n'
                f'model.update({model!r})\n{extra}')
    cfg = Config.fromfile(config).model
    revert_sync_bn_in_config(cfg)
    teacher = MODELS.build(cfg)
    checkpoint = osp.join(str(directory), f'{name}.pth')
    torch.save({'state_dict': teacher.state_dict(), 'meta': {}}, checkpoint)
    return config, checkpoint


@pytest.fixture(scope='module')
def teacher_files(synthetic_config, tmp_path_factory):
    directory = tmp_path_factory.mktemp('teacher')
    with DefaultScope.overwrite_default_scope('mmseg'):
        return _write_teacher(directory, synthetic_config)


@pytest.fixture(scope='module')
def teacher_aux_files(synthetic_config, tmp_path_factory):
    """A teacher with an auxiliary head (for aux_distill_losses)."""
    directory = tmp_path_factory.mktemp('teacher_aux')
    with DefaultScope.overwrite_default_scope('mmseg'):
        return _write_teacher(
            directory,
            synthetic_config,
            model=dict(auxiliary_head=dict(_aux_head(32), _delete_=True)))


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


def _aux_model(synthetic_config, teacher_aux_files):
    """A student with an auxiliary head distilled from the teacher's."""
    return MODELS.build(
        _kd_cfg(synthetic_config, teacher_aux_files,
                auxiliary_head=_aux_head(),
                aux_distill_losses=[KD_LOSSES[0]]))


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
                                               teacher_aux_files):
    model = _aux_model(synthetic_config, teacher_aux_files)
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


def test_deepcopy_shares_the_teacher(synthetic_config, teacher_files):
    """An EMA copy (MMEngine deep-copies the model) gets its own student and
    the same frozen teacher; its conversions leave the teacher alone."""
    from mmengine.model import ExponentialMovingAverage
    model = MODELS.build(_kd_cfg(synthetic_config, teacher_files))
    clone = copy.deepcopy(model)
    assert clone.teacher is model.teacher
    assert not {id(p) for p in clone.parameters()} & {
        id(p) for p in model.parameters()}
    for (name, ours), theirs in zip(model.state_dict().items(),
                                    clone.state_dict().values()):
        assert torch.equal(ours, theirs), name
    ema = ExponentialMovingAverage(model)
    assert ema.module.teacher is model.teacher
    assert isinstance(ema.module, DistillEncoderDecoder)
    # the copy trains (it shares the device) ...
    data = clone.data_preprocessor(_batch(), True)
    assert torch.isfinite(
        clone.loss(data['inputs'], data['data_samples'])['decode.loss_kd_kl'])
    # ... but converting the copy does not move the original's teacher
    clone.double()
    assert all(p.dtype == torch.float32 for p in model.teacher.parameters())
    assert all(p.dtype == torch.float64
               for p in clone.decode_head.parameters())


def test_teacher_runs_once_per_batch(synthetic_config, teacher_aux_files):
    model = _aux_model(synthetic_config, teacher_aux_files)
    calls = []
    model.teacher.backbone.register_forward_hook(
        lambda *args: calls.append(1))
    data = model.data_preprocessor(_batch(), True)
    model.loss(data['inputs'], data['data_samples'])
    assert len(calls) == 1


# ----------------------------------------------------------------------
# the losses
# ----------------------------------------------------------------------
def _labels(samples):
    return torch.stack([s.gt_sem_seg.data[0] for s in samples])


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
    keep = (_labels(samples) != 255).float()  # rows 0-1 are ignored
    assert 0 < keep.sum() < keep.numel()
    kl = KLDivergenceLoss(temperature=temperature, loss_weight=0.125)
    jml = JaccardMetricLoss(
        active_classes='label', threshold=0.01, loss_weight=0.375)
    torch.testing.assert_close(result['decode.loss_kd_kl'],
                               kl(s_logits, probs, weight=keep))
    torch.testing.assert_close(result['decode.loss_kd_jml'],
                               jml(s_logits, probs, weight=keep))
    # the ground-truth loss is MMSeg's own
    gt = model.decode_head.loss_by_feat(s_logits, samples)
    torch.testing.assert_close(result['decode.loss_ce'], gt['loss_ce'])
    torch.testing.assert_close(result['decode.acc_seg'], gt['acc_seg'])
    assert result['decode.loss_kd_kl'].requires_grad


def _kd_terms(model, inputs, samples, probs):
    """The distillation terms of ``model.loss`` with the teacher's
    probabilities replaced by ``probs`` (one tensor per teacher head)."""
    model.teacher_probs = lambda *args, **kwargs: [p.clone() for p in probs]
    try:
        result = model.loss(inputs, samples)
    finally:
        del model.teacher_probs
    return {k: v.detach() for k, v in result.items() if 'kd' in k}


def _random_probs(shape, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.softmax(3 * torch.randn(shape, generator=gen), 1)


def test_ignored_pixels_change_no_distillation_term(synthetic_config,
                                                    teacher_aux_files):
    """Official keep_mask = label != ignore: what the teacher says at an
    ignored pixel changes neither the KL nor the teacher-JML term (decode
    and auxiliary heads); at a counted pixel it does."""
    model = _aux_model(synthetic_config, teacher_aux_files).eval()
    data = model.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    ignored = _labels(samples) == 255
    probs = [_random_probs((2, 3, 32, 32), seed) for seed in (1, 2)]
    base = _kd_terms(model, inputs, samples, probs)
    assert set(base) == {
        'decode.loss_kd_kl', 'decode.loss_kd_jml', 'aux.loss_kd_kl'
    }
    at_ignored = []
    for seed, p in zip((3, 4), probs):
        other = _random_probs(p.shape, seed)
        at_ignored.append(
            torch.where(ignored.unsqueeze(1), other, p))
    for key, value in _kd_terms(model, inputs, samples, at_ignored).items():
        torch.testing.assert_close(value, base[key], rtol=0, atol=0)
    # the same change at counted pixels moves every term
    counted = [torch.where(ignored.unsqueeze(1), p, _random_probs(p.shape, 5))
               for p in probs]
    for key, value in _kd_terms(model, inputs, samples, counted).items():
        assert not torch.isclose(value, base[key]), key


def test_kl_term_equals_dense_reference_on_counted_pixels(
        synthetic_config, teacher_files):
    """T^2 KL averaged over the pixels whose label is not ignored, from
    a dense float64 formula (independent of the loss module)."""
    model = MODELS.build(_kd_cfg(synthetic_config, teacher_files)).eval()
    data = model.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    probs = _random_probs((2, 3, 32, 32), 7)
    terms = _kd_terms(model, inputs, samples, [probs])
    with torch.no_grad():
        s_logits = model.decode_head(model.extract_feat(inputs)).double()
    p = probs.double()
    per_pixel = (p * (p.log() - torch.log_softmax(s_logits, 1))).sum(1)
    keep = _labels(samples) != 255
    expected = 0.125 * per_pixel[keep].mean()
    torch.testing.assert_close(terms['decode.loss_kd_kl'].double(), expected)


def test_aux_kl_reads_the_teachers_aux_head(synthetic_config,
                                            teacher_aux_files):
    model = _aux_model(synthetic_config, teacher_aux_files).eval()
    data = model.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    result = model.loss(inputs, samples)
    with torch.no_grad():
        teacher = model.teacher
        t_feat = teacher.extract_feat(inputs)
        t_aux = F.interpolate(
            teacher.auxiliary_head(t_feat), (32, 32), mode='bilinear')
        t_decode = teacher.decode_head(t_feat)
        s_aux = F.interpolate(
            model.auxiliary_head(model.extract_feat(inputs)), (32, 32),
            mode='bilinear')
    keep = (_labels(samples) != 255).float()
    kl = KLDivergenceLoss(loss_weight=0.125)
    torch.testing.assert_close(result['aux.loss_kd_kl'],
                               kl(s_aux, torch.softmax(t_aux, 1), weight=keep))
    assert not torch.isclose(
        result['aux.loss_kd_kl'],
        kl(s_aux, torch.softmax(t_decode, 1), weight=keep))


def test_logits_resized_once_per_head(synthetic_config, teacher_aux_files,
                                      monkeypatch):
    """Each head's logits are resized to the label size once, and the
    ground-truth and distillation losses share them: one resize per
    student head and per teacher head."""
    model = _aux_model(synthetic_config, teacher_aux_files)
    data = model.data_preprocessor(_batch(), True)
    calls = []
    interpolate = F.interpolate

    def counting(input, size=None, *args, **kwargs):
        out = interpolate(input, size, *args, **kwargs)
        if input.shape[1] == 3 and tuple(out.shape[-2:]) == (32, 32):
            calls.append(input.requires_grad)
        return out

    monkeypatch.setattr(F, 'interpolate', counting)
    result = model.loss(data['inputs'], data['data_samples'])
    assert {'decode.loss_ce', 'decode.loss_kd_kl', 'aux.loss_ce',
            'aux.loss_kd_kl'} <= set(result)
    # teacher decode + teacher aux (no grad), student decode + student aux
    assert sorted(calls) == [False, False, True, True]


def test_cascade_teacher_uses_its_last_head(synthetic_config, tmp_path):
    ocr = dict(
        type='OCRHead',
        in_channels=32,
        in_index=4,
        channels=16,
        ocr_channels=8,
        num_classes=3,
        norm_cfg=dict(type='BN'),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss'))
    fcn = dict(
        _fixture_model(synthetic_config).decode_head.to_dict(),
        in_channels=32,
        channels=32)
    config, checkpoint = _write_teacher(
        tmp_path,
        synthetic_config,
        name='cascade',
        model=dict(
            type='CascadeEncoderDecoder', num_stages=2,
            decode_head=[fcn, ocr]))
    model = MODELS.build(_kd_cfg(synthetic_config, (config, checkpoint)))
    teacher = model.teacher
    assert type(teacher).__name__ == 'CascadeEncoderDecoder'
    data = model.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    probs = model.teacher_probs(inputs, (32, 32))
    assert len(probs) == 1
    with torch.no_grad():  # MMSeg's own cascade inference, last head
        expected = torch.softmax(
            teacher.encode_decode(inputs, [dict(img_shape=(32, 32))]), 1)
    torch.testing.assert_close(probs[0], expected)
    assert torch.isfinite(model.loss(inputs, samples)['decode.loss_kd_jml'])


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


def test_aux_distill_losses_need_a_teacher_aux_head(synthetic_config,
                                                    teacher_files):
    with pytest.raises(ValueError, match=r'teacher of .* to have 1 '
                       r'auxiliary head\(s\).*got 0: give the teacher '
                       'config an auxiliary_head'):
        MODELS.build(
            _kd_cfg(synthetic_config, teacher_files,
                    auxiliary_head=_aux_head(),
                    aux_distill_losses=[KD_LOSSES[0]]))


@pytest.mark.parametrize('which', ['config', 'checkpoint'])
def test_missing_relative_teacher_file_names_path_and_fix(
        synthetic_config, teacher_files, tmp_path, monkeypatch, which):
    monkeypatch.chdir(tmp_path)
    relative = osp.join('teachers', f'missing.{which}')
    files = (relative, teacher_files[1]) if which == 'config' else (
        teacher_files[0], relative)
    with pytest.raises(FileNotFoundError) as info:
        MODELS.build(_kd_cfg(synthetic_config, files))
    message = str(info.value)
    assert f'teacher {which} not found' in message
    assert repr(str(tmp_path / relative)) in message  # the path it tried
    assert '{{fileDirname}}' in message
    assert repr(str(tmp_path)) in message  # the working directory


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



# ----------------------------------------------------------------------
# the teacher's ImageNet weights are never loaded
# ----------------------------------------------------------------------
@pytest.mark.parametrize('model,expected', [
    (dict(backbone=dict(type='TIMMBackbone', model_name='resnet18d')),
     dict(backbone=dict(
         type='TIMMBackbone', model_name='resnet18d', pretrained=False))),
    (dict(
        pretrained=None,
        backbone=dict(
            type='mmseg.TIMMBackbone',
            pretrained=True,
            init_cfg=dict(type='Pretrained', checkpoint='a.pth'))),
     dict(
         pretrained=None,
         backbone=dict(type='mmseg.TIMMBackbone', pretrained=False))),
    (dict(pretrained='open-mmlab://resnet50_v1c',
          backbone=dict(type='ResNetV1c', pretrained='b.pth')),
     dict(pretrained=None, backbone=dict(type='ResNetV1c', pretrained=None))),
    (dict(backbone=dict(
        type='MixVisionTransformer',
        init_cfg=dict(type='Pretrained', checkpoint='https://x/mit_b5.pth'))),
     dict(backbone=dict(type='MixVisionTransformer'))),
])
def test_teacher_pretraining_is_switched_off(model, expected):
    from mmseg_jml.models.segmentors.distill_encoder_decoder import \
        _switch_off_pretraining
    _switch_off_pretraining(model)
    assert model == expected


def test_pretrained_timm_teacher_builds_offline(synthetic_config, tmp_path,
                                                monkeypatch):
    """A teacher config with an ImageNet-pretrained TIMMBackbone (as every
    paper config) builds without asking timm for the weights (here any such
    request fails, as it would offline), and gets the checkpoint's."""
    import timm
    create_model = timm.create_model
    requests = []

    def offline_create_model(*args, **kwargs):
        requests.append(kwargs.get('pretrained'))
        if kwargs.get('pretrained'):
            raise RuntimeError('offline: no ImageNet weights')
        return create_model(*args, **kwargs)

    monkeypatch.setattr(timm, 'create_model', offline_create_model)
    timm_model = dict(
        backbone=dict(
            _delete_=True,
            type='TIMMBackbone',
            model_name='resnet10t',
            features_only=True,
            pretrained=True,
            out_indices=(4, ),
            init_cfg=dict(type='Pretrained', checkpoint='missing.pth')),
        decode_head=dict(
            _delete_=True,
            type='FCNHead',
            in_channels=512,
            in_index=0,
            channels=16,
            num_convs=1,
            concat_input=False,
            num_classes=3,
            norm_cfg=dict(type='BN', requires_grad=True),
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss')))
    config = tmp_path / 'timm_teacher.py'
    config.write_text(f'_base_ = [{synthetic_config!r}]\n'
                      f'model = {timm_model!r}\n')
    teacher_cfg = Config.fromfile(str(config)).model
    teacher_cfg.backbone.pretrained = False
    teacher_cfg.backbone.init_cfg = None
    revert_sync_bn_in_config(teacher_cfg)
    torch.manual_seed(1)
    reference = MODELS.build(teacher_cfg)
    checkpoint = str(tmp_path / 'timm_teacher.pth')
    torch.save({'state_dict': reference.state_dict()}, checkpoint)
    with pytest.raises(RuntimeError, match='offline'):
        MODELS.build(Config.fromfile(str(config)).model)
    requests.clear()
    model = MODELS.build(
        _kd_cfg(synthetic_config, (str(config), checkpoint)))
    assert requests == [False]
    for key, value in reference.state_dict().items():
        torch.testing.assert_close(model.teacher.state_dict()[key], value)
