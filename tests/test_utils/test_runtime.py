import pytest
from mmengine.config import Config

from mmseg_jml.utils.runtime import (adapt_config_to_device,
                                     revert_sync_bn_in_config)


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
