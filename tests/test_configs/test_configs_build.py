"""Every config builds its model on CPU and trains one iteration.

The model is built from the config as the tools build it (SyncBN reverted),
with the ImageNet weights switched off as ``--cfg-options`` does
(``conftest.PRETRAINING_OFF``: nothing is downloaded), and takes one SGD step
on a tiny random batch with the config's class count. Distillation configs
get their teacher config, pretraining switched off, written next to a
checkpoint of a freshly built teacher.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmseg_jml  # noqa: F401
from mmseg.registry import MODELS
from mmseg_jml.utils import revert_sync_bn_in_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in p)
SIZE = 64


def _build(model_cfg):
    revert_sync_bn_in_config(model_cfg)
    init_default_scope('mmseg')
    return MODELS.build(model_cfg)


def _batch(num_classes, soft, seed=0):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(2, 3, SIZE, SIZE, generator=generator)
    samples = []
    for _ in range(2):
        label = torch.randint(
            0, num_classes, (1, SIZE, SIZE), generator=generator)
        label[:, :4, :4] = 255
        sample = SegDataSample(
            gt_sem_seg=PixelData(data=label),
            metainfo=dict(
                img_shape=(SIZE, SIZE),
                pad_shape=(SIZE, SIZE),
                ori_shape=(SIZE, SIZE)))
        if soft:
            probs = torch.rand(num_classes, SIZE, SIZE, generator=generator)
            sample.gt_soft_sem_seg = PixelData(data=probs / probs.sum(0))
        samples.append(sample)
    return inputs, samples


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_builds_and_trains_one_iteration(path, tmp_path,
                                                pretraining_off):
    torch.manual_seed(0)
    cfg = Config.fromfile(path)
    pretraining_off(cfg)
    model_cfg = cfg.model
    if model_cfg.type == 'DistillEncoderDecoder':
        teacher_full = Config.fromfile(model_cfg.teacher_config)
        pretraining_off(teacher_full)
        teacher_config = tmp_path / 'teacher.py'
        teacher_full.dump(str(teacher_config))
        teacher = _build(teacher_full.model)
        checkpoint = tmp_path / 'teacher.pth'
        torch.save({'state_dict': teacher.state_dict()}, checkpoint)
        model_cfg.teacher_config = str(teacher_config)
        model_cfg.teacher_checkpoint = str(checkpoint)
    model = _build(model_cfg)
    model.train()
    num_classes = model.decode_head.num_classes
    inputs, samples = _batch(
        num_classes, soft=model_cfg.type == 'SoftLabelEncoderDecoder')
    losses = model.loss(inputs, samples)
    loss_terms = {k: v for k, v in losses.items() if 'loss' in k}
    assert loss_terms and all(
        torch.isfinite(v).all() for v in loss_terms.values())
    total = sum(v.sum() for v in loss_terms.values())
    total.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
