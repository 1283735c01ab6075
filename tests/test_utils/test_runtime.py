import os

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmseg.registry import OPTIM_WRAPPERS

import mmseg_jml.utils.runtime as runtime
from mmseg_jml.models.losses import JaccardMetricLoss
from mmseg_jml.utils.runtime import (CPUAmpOptimWrapper,
                                     adapt_config_to_device,
                                     revert_sync_bn_in_config,
                                     set_cpu_threads)


def _cfg():
    norm = dict(type='SyncBN', requires_grad=True)
    return Config(
        dict(
            model=dict(
                backbone=dict(norm_cfg=norm),
                decode_head=dict(norm_cfg=dict(type='SyncBN')),
                auxiliary_head=[dict(norm_cfg=dict(type='SyncBN'))],
                other=dict(norm_cfg=dict(type='GN', num_groups=2))),
            env_cfg=dict(dist_cfg=dict(backend='nccl'))))


def test_revert_sync_bn_in_config_counts_and_replaces():
    cfg = _cfg()
    assert revert_sync_bn_in_config(cfg.model) == 3
    assert cfg.model.backbone.norm_cfg.type == 'BN'
    assert cfg.model.auxiliary_head[0].norm_cfg.type == 'BN'
    assert cfg.model.other.norm_cfg.type == 'GN'
    assert revert_sync_bn_in_config(cfg.model) == 0


@pytest.mark.parametrize('launcher', ['none', 'pytorch'])
def test_adapt_config_without_gpu(monkeypatch, launcher):
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)
    cfg = _cfg()
    notes = adapt_config_to_device(cfg, launcher)
    assert cfg.model.decode_head.norm_cfg.type == 'BN'
    assert any('SyncBN' in note for note in notes)
    if launcher == 'none':
        assert cfg.env_cfg.dist_cfg.backend == 'nccl'
        assert cfg.get('model_wrapper_cfg') is None
    else:
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert cfg.model_wrapper_cfg.device_ids is None


def test_adapt_config_with_gpu_changes_nothing(monkeypatch):
    monkeypatch.setattr('torch.cuda.is_available', lambda: True)
    cfg = _cfg()
    assert adapt_config_to_device(cfg, 'pytorch') == []
    assert cfg.model.backbone.norm_cfg.type == 'SyncBN'
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


def _amp_cfg():
    return Config(
        dict(
            model=dict(),
            optim_wrapper=dict(
                type='AmpOptimWrapper',
                loss_scale='dynamic',
                dtype='float16',
                optimizer=dict(type='SGD', lr=0.01),
                clip_grad=None)))


@pytest.mark.parametrize('device', ['cpu', 'npu'])
def test_adapt_config_turns_amp_into_cpu_amp(monkeypatch, device):
    monkeypatch.setattr('torch.cuda.is_available', lambda: False)
    monkeypatch.setattr(runtime, 'get_device', lambda: device)
    cfg = _amp_cfg()
    notes = adapt_config_to_device(cfg, 'none')
    if device == 'npu':  # MMEngine's AmpOptimWrapper works there
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
        assert notes == []
        return
    assert cfg.optim_wrapper == dict(
        type='CPUAmpOptimWrapper', optimizer=dict(type='SGD', lr=0.01),
        clip_grad=None)
    assert notes == [
        'no GPU: mixed precision runs as bfloat16 autocast on the CPU '
        "(AmpOptimWrapper -> CPUAmpOptimWrapper; dropped "
        "loss_scale='dynamic', dtype='float16')"
    ]


class _TinySegmentor(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x):
        return self.bn(self.conv(x))


def test_cpu_amp_runs_forward_in_bfloat16_and_losses_in_float32():
    torch.manual_seed(0)
    model = _TinySegmentor()
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='CPUAmpOptimWrapper'),
        default_args=dict(
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert isinstance(wrapper, CPUAmpOptimWrapper)
    x = torch.randn(2, 3, 8, 8)
    label = torch.randint(0, 4, (2, 8, 8))
    before = model.conv.weight.detach().clone()
    with wrapper.optim_context(model):
        logits = model(x)
        ce = nn.functional.cross_entropy(logits, label)
        jml = JaccardMetricLoss()(logits, label)
    assert logits.dtype == torch.bfloat16
    assert ce.dtype == torch.float32 and jml.dtype == torch.float32
    wrapper.backward(ce + jml)
    assert model.conv.weight.grad.dtype == torch.float32
    wrapper.step()
    assert model.conv.weight.dtype == torch.float32
    assert not torch.equal(model.conv.weight, before)
    assert torch.isfinite(model.conv.weight).all()
    # Outside the context: float32 again.
    assert model(x).dtype == torch.float32


def test_cpu_amp_rejects_other_dtypes_and_devices():
    model = _TinySegmentor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="expected dtype 'bfloat16'.*got "
                       "'float16'"):
        CPUAmpOptimWrapper(optimizer, dtype='float16')
    wrapper = CPUAmpOptimWrapper(optimizer)
    with pytest.raises(ValueError, match='expected a model on the CPU'):
        with wrapper.optim_context(model.to('meta')):
            pass


def test_set_cpu_threads(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setenv('OMP_NUM_THREADS', '7')
    monkeypatch.setenv('MKL_NUM_THREADS', '7')
    try:
        set_cpu_threads(2)
        assert torch.get_num_threads() == 2
        assert os.environ['OMP_NUM_THREADS'] == '2'
        assert os.environ['MKL_NUM_THREADS'] == '2'
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize('value', [0, -1, 1.5, True, '2'])
def test_set_cpu_threads_rejects_bad_counts(value):
    with pytest.raises(ValueError, match='expected a positive number of '
                       'threads, got'):
        set_cpu_threads(value)


@pytest.mark.parametrize('created', [True, False])
def test_destroy_cpu_process_group_only_tears_down_its_own(created):
    """The group a tool created is destroyed (after a barrier); a group
    made by someone else is left alone."""
    import socket

    import torch.distributed as dist
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=0, world_size=1)
    try:
        runtime.destroy_cpu_process_group(created)
        assert dist.is_initialized() is not created
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
