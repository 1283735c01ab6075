"""MeanTeacherHook: AugSeg's decay schedule, and the teacher equals the EMA of
the student (parameters and BN buffers) in both phases."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.registry import init_default_scope

import mmseg_jml  # noqa: F401
from mmseg.registry import MODELS
from mmseg_jml.engine.hooks import MeanTeacherHook, augseg_ema_decay


def _model():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    norm = dict(type='BN', requires_grad=True)
    return MODELS.build(
        dict(
            type='SemiEncoderDecoder',
            backbone=dict(type='ResNetV1c', depth=18, num_stages=1,
                          out_indices=(0, ), strides=(1, ), dilations=(1, ),
                          stem_channels=8, base_channels=8, norm_cfg=norm),
            decode_head=dict(type='FCNHead', in_channels=8, channels=4,
                             num_convs=1, num_classes=2, norm_cfg=norm),
            unsup_hard_losses=dict(type='SoftCrossEntropyLoss')))


@pytest.mark.parametrize('t,copy_iters,expected', [
    (0, 1, 0.0), (4, 5, 0.0), (5, 5, 1 - 1 / 6), (9, 2, 0.9),
    (998, 10, 1 - 1 / 999), (999, 10, 0.999), (5000, 10, 0.999),
    (0, 0, 0.0)])
def test_augseg_decay(t, copy_iters, expected):
    assert augseg_ema_decay(t, copy_iters) == pytest.approx(expected)


@pytest.mark.parametrize('copy_epochs,copy_iters', [(1, None), (0, 3)])
def test_teacher_is_ema_of_student(copy_epochs, copy_iters):
    model = _model()
    hook = MeanTeacherHook(copy_epochs=copy_epochs, copy_iters=copy_iters,
                           max_decay=0.6)
    iters_per_epoch = 3
    runner = SimpleNamespace(model=model, iter=0,
                             train_dataloader=[None] * iters_per_epoch)
    hook.before_train(runner)
    # independent reference in float64
    teacher = {k: v.double().clone() for k, v in model.state_dict().items()
               if not k.startswith('teacher.')}
    g = torch.Generator().manual_seed(0)
    decays = []
    for t in range(8):
        with torch.no_grad():  # a "training step" moves params and buffers
            for name, value in model.state_dict().items():
                if not name.startswith('teacher.') and \
                        value.is_floating_point():
                    value.add_(torch.randn(value.shape, generator=g))
        runner.iter = t
        hook.after_train_iter(runner, batch_idx=t)
        copy_until = copy_iters if copy_iters is not None else \
            iters_per_epoch * copy_epochs
        d = 0.0 if t < copy_until else min(1 - 1 / (t + 1), 0.6)
        decays.append(d)
        for name, value in model.state_dict().items():
            if name.startswith('teacher.'):
                continue
            if value.is_floating_point():
                teacher[name] = d * teacher[name] + (1 - d) * value.double()
            else:
                teacher[name] = value.double().clone()
        for name, value in model.teacher.state_dict().items():
            assert torch.allclose(value.double(), teacher[name], rtol=1e-5,
                                  atol=1e-6), (t, name)
    assert decays[0] == 0.0 and decays[-1] == 0.6  # both phases ran
    assert any(p.grad is None for p in model.teacher.parameters())


def test_resumed_run_keeps_the_teacher():
    model = _model()
    with torch.no_grad():
        for p in model.teacher.parameters():
            p.add_(1.0)
    before = {k: v.clone() for k, v in model.teacher.state_dict().items()}
    MeanTeacherHook().before_train(SimpleNamespace(model=model, iter=5))
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, before[key])


def test_interval_skips_iterations():
    model = _model()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    runner = SimpleNamespace(model=model, iter=0, train_dataloader=[None])
    MeanTeacherHook(interval=2).after_train_iter(runner, 0)
    assert not torch.equal(model.teacher.decode_head.conv_seg.weight,
                           model.decode_head.conv_seg.weight)


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(max_decay=1.5), ValueError, 'max_decay in'),
    (dict(copy_epochs=-1), ValueError, 'copy_epochs >= 0'),
    (dict(copy_epochs=1.0), TypeError, 'copy_epochs to be an int'),
    (dict(copy_iters=-2), ValueError, 'copy_iters'),
    (dict(interval=0), ValueError, 'interval >= 1'),
    (dict(buffers='yes'), TypeError, 'buffers'),
])
def test_hook_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        MeanTeacherHook(**kwargs)


def test_hook_needs_a_teacher():
    runner = SimpleNamespace(model=torch.nn.Linear(1, 1), iter=0)
    with pytest.raises(TypeError, match='SemiEncoderDecoder'):
        MeanTeacherHook().before_train(runner)
