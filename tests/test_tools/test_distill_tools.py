"""Distillation runs of tools/train.py, tools/test.py and tools/dist_train.sh
as a user runs them; the student checkpoints work without the teacher."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

import mmseg_jml  # noqa: F401,I001  (first: installs the mmcv.ops stand-in)
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmseg.registry import MODELS

from mmseg_jml.utils.runtime import revert_sync_bn_in_config

DEMO_KD = [
    'ce-kd_fcn_unet-s5-c32-to-fcn_unet-s5-c16_1xb8-150_mni152-128x128.py',
    'jml-kd_fcn_unet-s5-c32-to-fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
]
DEMO_TEACHER = 'jml-bls_fcn_unet-s5-c32_1xb8-150_mni152-128x128.py'


def _run(cmd, cwd, expect_ok=True, env_extra=None, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.update(env_extra or {})
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout)
    if expect_ok and proc.returncode != 0:
        raise AssertionError(f'{cmd} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def _data_options(data_root):
    return [
        f'{split}_dataloader.dataset.data_root={data_root}'
        for split in ('train', 'val', 'test')
    ]


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def kd_config(synthetic_config, tmp_path_factory):
    """A JML-KD config on the synthetic data: the fixture UNet-c16 student,
    a UNet-c32 teacher (random weights, saved as a checkpoint)."""
    root = tmp_path_factory.mktemp('kd')
    teacher_config = root / 'teacher_c32.py'
    teacher_config.write_text(
        textwrap.dedent(f"""
        _base_ = [{synthetic_config!r}]
        model = dict(
            backbone=dict(base_channels=32),
            decode_head=dict(in_channels=32, channels=32))
        """))
    model_cfg = Config.fromfile(str(teacher_config)).model
    revert_sync_bn_in_config(model_cfg)
    with DefaultScope.overwrite_default_scope('mmseg'):
        teacher = MODELS.build(model_cfg)
    teacher_checkpoint = root / 'teacher_c32.pth'
    torch.save({'state_dict': teacher.state_dict()}, teacher_checkpoint)
    config = root / 'jml-kd_synthetic.py'
    config.write_text(
        textwrap.dedent(f"""
        _base_ = [{synthetic_config!r}]
        model = dict(
            type='DistillEncoderDecoder',
            teacher_config={str(teacher_config)!r},
            teacher_checkpoint={str(teacher_checkpoint)!r},
            temperature=1.0,
            decode_head=dict(loss_decode=[
                dict(type='SoftCrossEntropyLoss', loss_weight=0.125),
                dict(type='JaccardMetricLoss', loss_weight=0.375)]),
            distill_losses=[
                dict(type='KLDivergenceLoss', loss_weight=0.125,
                     loss_name='loss_kd_kl'),
                dict(type='JaccardMetricLoss', active_classes='label',
                     threshold=0.01, loss_weight=0.375,
                     loss_name='loss_kd_jml')])
        """))
    return str(config)


@pytest.fixture(scope='module')
def kd_work_dir(repo_root, kd_config, synthetic_data_root,
                tmp_path_factory):
    """Train the KD config for 4 iterations (checkpoints at 2 and 4)."""
    work_dir = str(tmp_path_factory.mktemp('kd_train'))
    proc = _run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), kd_config, '--work-dir',
        work_dir, '--cfg-options', *_data_options(synthetic_data_root)
    ], cwd=repo_root)
    return work_dir, proc.stdout + proc.stderr


def test_kd_run_logs_each_distillation_term(kd_work_dir):
    work_dir, log = kd_work_dir
    for name in ('decode.loss_kd_kl', 'decode.loss_kd_jml', 'decode.loss_ce',
                 'decode.loss_jml'):
        assert f'{name}: ' in log, name
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))


def test_student_checkpoint_loads_into_plain_student(kd_work_dir,
                                                     synthetic_config):
    work_dir, _ = kd_work_dir
    model_cfg = Config.fromfile(synthetic_config).model
    revert_sync_bn_in_config(model_cfg)
    with DefaultScope.overwrite_default_scope('mmseg'):
        plain = MODELS.build(model_cfg)
    state = torch.load(osp.join(work_dir, 'iter_4.pth'),
                       weights_only=True)['state_dict']
    result = plain.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_plain_test_tool_evaluates_student_checkpoint(repo_root, kd_work_dir,
                                                      synthetic_config,
                                                      synthetic_data_root,
                                                      tmp_path):
    work_dir, _ = kd_work_dir
    proc = _run([
        sys.executable,
        osp.join(repo_root, 'tools', 'test.py'), synthetic_config,
        osp.join(work_dir, 'iter_4.pth'), '--work-dir',
        str(tmp_path), '--cfg-options', *_data_options(synthetic_data_root)
    ], cwd=repo_root)
    log = proc.stdout + proc.stderr
    assert 'The model and loaded state dict do not match' not in log
    metrics = [
        json.loads(line)
        for path in glob.glob(str(tmp_path / '*' / '*.json'))
        for line in open(path) if 'mIoU' in line
    ]
    assert metrics and 0.0 <= metrics[0]['mIoU'] <= 100.0


def test_kd_run_resumes(repo_root, kd_config, synthetic_data_root,
                        kd_work_dir):
    work_dir, _ = kd_work_dir
    proc = _run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), kd_config, '--work-dir',
        work_dir, '--resume', '--cfg-options',
        *_data_options(synthetic_data_root), 'train_cfg.max_iters=6',
        'param_scheduler.0.end=6'
    ], cwd=repo_root)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 0, iter: 4' in log
    assert 'decode.loss_kd_jml' in log
    assert osp.isfile(osp.join(work_dir, 'iter_6.pth'))


def test_missing_teacher_checkpoint_fails_clearly(repo_root, kd_config,
                                                  synthetic_data_root,
                                                  tmp_path):
    proc = _run([
        sys.executable,
        osp.join(repo_root, 'tools', 'train.py'), kd_config, '--work-dir',
        str(tmp_path), '--cfg-options',
        f'model.teacher_checkpoint={tmp_path / "nope.pth"}',
        *_data_options(synthetic_data_root)
    ], cwd=repo_root, expect_ok=False)
    assert proc.returncode != 0
    assert 'teacher checkpoint not found' in proc.stderr


def test_distributed_cpu_kd_two_processes(repo_root, kd_config,
                                          synthetic_data_root, tmp_path):
    work_dir = tmp_path / 'dist'
    proc = _run([
        'bash',
        osp.join(repo_root, 'tools', 'dist_train.sh'), kd_config, '2',
        '--work-dir',
        str(work_dir), '--cfg-options', 'train_cfg.max_iters=2',
        'default_hooks.checkpoint.interval=2',
        *_data_options(synthetic_data_root)
    ], cwd=repo_root, env_extra=dict(PORT=str(_free_port()),
                                     PYTHON=sys.executable), timeout=400)
    log = proc.stdout + proc.stderr
    assert 'distributed backend set to gloo' in log
    assert 'decode.loss_kd_kl' in log
    assert osp.isfile(work_dir / 'iter_2.pth')


@pytest.mark.parametrize('name', DEMO_KD)
def test_demo_kd_configs(repo_root, name):
    """The demo students distil the demo teacher with the official weights
    and test in their plain configs (named in the header)."""
    cfg = Config.fromfile(osp.join(repo_root, 'configs', 'demo', name))
    model = cfg.model
    assert model.type == 'DistillEncoderDecoder'
    # Paths are resolved from the config's own directory ({{fileDirname}}),
    # so they are absolute and do not depend on the working directory.
    demo_dir = osp.join(repo_root, 'configs', 'demo')
    assert osp.isabs(model.teacher_config)
    assert osp.samefile(model.teacher_config, osp.join(demo_dir, DEMO_TEACHER))
    teacher_stem = osp.splitext(DEMO_TEACHER)[0]
    assert osp.normpath(model.teacher_checkpoint) == osp.join(
        osp.realpath(repo_root), 'work_dirs', 'demo', teacher_stem, 'seed0',
        'iter_150.pth')
    teacher = Config.fromfile(model.teacher_config)
    assert teacher.model.backbone.base_channels == 32
    assert model.backbone.base_channels == 16
    assert teacher.max_iters == 150
    gt = model.decode_head.loss_decode
    gt = gt if isinstance(gt, list) else [gt]
    weights = sum(loss.loss_weight for loss in gt)
    kd = sum(loss.loss_weight for loss in model.distill_losses)
    assert weights == pytest.approx(0.5) and kd == pytest.approx(0.5)
    method = name.split('_')[0][:-len('-kd')]
    plain = Config.fromfile(
        osp.join(repo_root, 'configs', 'demo',
                 f'{method}_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'))
    assert plain.model.type == 'EncoderDecoder'
    assert plain.model.backbone == model.backbone
