"""Every config builds its model on CPU; one config of each kind trains one
iteration; every config named in a table list file exists and is covered.

The model is built from the config as the tools build it (SyncBN reverted),
with the ImageNet weights switched off as ``--cfg-options`` does
(``conftest.PRETRAINING_OFF``: nothing is downloaded). Distillation configs
get their teacher config, pretraining switched off, written next to a
checkpoint of a freshly built teacher (one per teacher config and session).

Which configs train. A training step exercises the model's architecture
(up to its class count) and the kinds of its losses, not their weights or
hyper-parameters. Configs are grouped by :func:`training_signature`: the
model config without the class count, the pretraining, the data
preprocessor and the test settings, the loss lists without their numbers
(weights, BLS kernel and epsilon, thresholds, temperatures), and a
teacher's own signature in place of its path. The first config of each
group (in path order) takes one SGD step on a tiny random batch; the others
(e.g. Figure 4's k x epsilon grid, the Cityscapes and VOC copies of a
method, batch 8 beside batch 16) are built, which also builds and checks
their losses with their own arguments.
"""
import functools
import glob
import json
import os.path as osp
import sys
from numbers import Number
from typing import Any, Dict

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
TABLE_LISTS = sorted(glob.glob(osp.join(REPO, 'configs', 'tables', '*.txt')))
SIZE = 64
#: model keys that hold loss lists (of a head, or of the distillation)
LOSS_KEYS = ('loss_decode', 'distill_losses', 'aux_distill_losses')
#: model keys a training step on a random batch does not depend on
UNUSED_KEYS = ('data_preprocessor', 'test_cfg', 'pretrained',
               'teacher_checkpoint', 'init_cfg')


@functools.lru_cache(maxsize=None)
def _load(path: str) -> Config:
    """Each config is read once per session (read only)."""
    return Config.fromfile(path)


def _without_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_numbers(v)
            for k, v in value.items()
            if isinstance(v, bool) or not isinstance(v, Number)
        }
    if isinstance(value, (list, tuple)):
        return [_without_numbers(v) for v in value]
    return value


def _architecture(value: Any) -> Any:
    """A model config with the loss lists' numbers, the class counts and
    the keys in ``UNUSED_KEYS`` dropped, and teachers replaced by their
    own signature (recursively)."""
    if isinstance(value, (list, tuple)):
        return [_architecture(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in UNUSED_KEYS or key == 'num_classes':
            continue
        if key in LOSS_KEYS:
            out[key] = _without_numbers(item)
        elif key == 'teacher_config':
            out[key] = training_signature(osp.realpath(item))
        else:
            out[key] = _architecture(item)
    return out


@functools.lru_cache(maxsize=None)
def training_signature(path: str) -> str:
    """What one training step of a config exercises (module docstring)."""
    model: Dict[str, Any] = _load(path).model.to_dict()
    return json.dumps(_architecture(model), sort_keys=True, default=str)


def _trains(path: str) -> bool:
    """Whether ``path`` is the first config (in path order) of its
    training signature."""
    signature = training_signature(path)
    for other in CONFIGS:
        if other == path:
            return True
        if training_signature(other) == signature:
            return False
    raise AssertionError(f'{path} is not among the collected configs')


def _build(model_cfg):
    revert_sync_bn_in_config(model_cfg)
    init_default_scope('mmseg')
    return MODELS.build(model_cfg)


@pytest.fixture(scope='session')
def teacher_files(tmp_path_factory, pretraining_off):
    """Teacher config path -> (config without pretraining, checkpoint of
    a freshly built teacher), made once per teacher and session."""
    cache = {}

    def get(teacher_config: str):
        key = osp.realpath(teacher_config)
        if key not in cache:
            directory = tmp_path_factory.mktemp('teacher')
            teacher_full = Config.fromfile(key)
            pretraining_off(teacher_full)
            config = str(directory / 'teacher.py')
            teacher_full.dump(config)
            torch.manual_seed(0)
            teacher = _build(teacher_full.model)
            checkpoint = str(directory / 'teacher.pth')
            torch.save({'state_dict': teacher.state_dict()}, checkpoint)
            cache[key] = (config, checkpoint)
        return cache[key]

    return get


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
def test_config_builds_and_trains_one_iteration(path, pretraining_off,
                                                teacher_files):
    torch.manual_seed(0)
    cfg = Config.fromfile(path)
    pretraining_off(cfg)
    model_cfg = cfg.model
    if model_cfg.type == 'DistillEncoderDecoder':
        model_cfg.teacher_config, model_cfg.teacher_checkpoint = \
            teacher_files(model_cfg.teacher_config)
    model = _build(model_cfg)
    if not _trains(path):
        return
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


def _read_list(path):
    """The configs of a table list file, read by tools/sweep.py itself."""
    sys.path.insert(0, osp.join(REPO, 'tools'))
    try:
        import sweep
    finally:
        sys.path.pop(0)
    return [osp.join(REPO, c) for c in sweep._read_list(path)[0]]


def test_there_are_table_lists():
    assert len(TABLE_LISTS) >= 12


@pytest.mark.parametrize(
    'path', TABLE_LISTS, ids=[osp.basename(p) for p in TABLE_LISTS])
def test_every_listed_config_exists_and_is_built(path):
    """Each line of a list file names an existing config (one path, no
    extra field), which the build test above collects."""
    listed = _read_list(path)
    assert listed
    missing = [c for c in listed if not osp.isfile(c)]
    assert not missing, f'{osp.basename(path)} names missing configs'
    collected = {osp.realpath(c) for c in CONFIGS}
    assert all(osp.realpath(c) in collected for c in listed)


@pytest.mark.parametrize('first,second,same', [
    ('voc12aug/jml-bls_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512',
     'ablations/jml-bls-k9-e01_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512',
     True),
    ('cityscapes/jml-kd_deeplabv3_r101-d8-to-deeplabv3_r18-d8_4xb2-40k_'
     'cityscapes-512x1024',
     'voc12aug/jml-kd_deeplabv3_r101-d8-to-deeplabv3_r18-d8_4xb2-40k_'
     'voc12aug-512x512', True),
    ('cityscapes/jml-kd_deeplabv3_r101-d8-to-deeplabv3_r18-d8_4xb2-40k_'
     'cityscapes-512x1024',
     'cityscapes/jml-kd_deeplabv3_r101-d8-to-deeplabv3_r18-d8_4xb4-40k_'
     'cityscapes-512x1024', True),
    ('voc12aug/jml-kd_deeplabv3_r101-d8-to-deeplabv3_r18-d8_4xb2-40k_'
     'voc12aug-512x512',
     'ablations/sjl-l2-kd_deeplabv3_r101-d8-to-deeplabv3_r18-d8_4xb2-40k_'
     'voc12aug-512x512', False),
    ('deepglobe/jml-kd_deeplabv3_r50-d8-to-deeplabv3_r18-d8_4xb2-10k_'
     'deepglobe-512x512',
     'voc12aug/jml-kd_deeplabv3_r101-d8-to-deeplabv3_r18-d8_4xb2-40k_'
     'voc12aug-512x512', False),
    ('voc12aug/jml_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512',
     'voc12aug/jml-bls_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512', False),
    ('deepglobe/ce_deeplabv3_r50-d8_4xb2-10k_deepglobe-512x512',
     'deepglobe/ce_deeplabv3_r18-d8_4xb2-10k_deepglobe-512x512', False),
])
def test_training_signature(first, second, same):
    """Numbers of the losses, class counts and batch sizes do not make a
    new kind of training step; a loss variant, BLS on or off, a backbone or
    a teacher architecture does."""

    def path(name):
        return osp.join(REPO, 'configs', f'{name}.py')

    assert (training_signature(path(first)) == training_signature(
        path(second))) is same
