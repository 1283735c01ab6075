"""End-to-end semi-supervised runs on the synthetic data: tools/train.py
(one labelled and one unlabelled dataset, teacher-student validation),
resume restoring both models bit for bit, export of the teacher and the
student to plain checkpoints evaluated by tools/test.py, and a 2-process
gloo run."""
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

CONFIG = osp.join('tests', 'fixtures', 'configs',
                  'semi_fcn_unet-s5-c16_synthetic.py')


def _data_options(root):
    return [
        f'train_dataloader.dataset.datasets.0.data_root={root}',
        f'train_dataloader.dataset.datasets.1.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}'
    ]


def _run(cmd, cwd, env_extra=None, timeout=400):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.update(env_extra or {})
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{cmd} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc.stdout + proc.stderr


def _scalars(work_dir):
    path = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))[0]
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope='module')
def trained(repo_root, synthetic_data_root, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('semi'))
    log = _run([
        sys.executable,
        osp.join('tools', 'train.py'), CONFIG, '--work-dir', work_dir,
        '--cfg-options', *_data_options(synthetic_data_root)
    ], repo_root)
    return work_dir, log


def test_training_logs_both_losses_and_both_models(trained):
    work_dir, log = trained
    for key in ('decode.loss_ce', 'decode.loss_jml', 'unsup.loss_ce',
                'unsup.loss_jml', 'unsup.kept_ratio', 'teacher/mIoU',
                'student/mIoU'):
        assert key in log, key
    state = torch.load(osp.join(work_dir, 'iter_6.pth'), map_location='cpu',
                       weights_only=False)['state_dict']
    teacher = {k for k in state if k.startswith('teacher.')}
    assert teacher and {'teacher.' + k for k in state
                        if not k.startswith('teacher.')} == teacher
    # 2 iterations per epoch: EMA phase at the end, teacher != student
    assert not torch.equal(state['teacher.decode_head.conv_seg.weight'],
                           state['decode_head.conv_seg.weight'])
    optimizer = torch.load(osp.join(work_dir, 'iter_6.pth'),
                           map_location='cpu',
                           weights_only=False)['optimizer']
    num_params = sum(len(g['params']) for g in optimizer['param_groups'])
    assert num_params == len([k for k in state if k.startswith(
        ('backbone.', 'decode_head.')) and 'running_' not in k and
        'num_batches' not in k])  # the teacher is not optimised


def test_resume_restores_teacher_and_student_bit_for_bit(
        trained, repo_root, synthetic_data_root):
    from mmengine.config import Config
    from mmengine.runner import Runner

    import mmseg_jml  # noqa: F401
    from mmseg_jml.utils import adapt_config_to_device
    work_dir, _ = trained
    checkpoint = osp.join(work_dir, 'iter_3.pth')
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    for dataset in cfg.train_dataloader.dataset.datasets:
        dataset.data_root = synthetic_data_root
    cfg.val_dataloader.dataset.data_root = synthetic_data_root
    cfg.test_dataloader.dataset.data_root = synthetic_data_root
    cfg.work_dir = osp.join(work_dir, 'resume')
    cfg.resume, cfg.load_from, cfg.launcher = True, checkpoint, 'none'
    adapt_config_to_device(cfg, 'none')
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    assert runner.iter == 3
    saved = torch.load(checkpoint, map_location='cpu',
                       weights_only=False)['state_dict']
    live = runner.model.state_dict()
    assert set(live) == set(saved)
    for key, value in saved.items():
        assert torch.equal(live[key], value), key
    teacher = runner.model.teacher.state_dict()
    for key, value in teacher.items():
        assert torch.equal(value, saved['teacher.' + key])


@pytest.mark.parametrize('branch', ['teacher', 'student'])
def test_exported_checkpoint_evaluates_with_test_tool(trained, repo_root,
                                                      synthetic_data_root,
                                                      branch, tmp_path):
    work_dir, _ = trained
    _run([
        sys.executable,
        osp.join('tools', 'ssl', 'export_checkpoint.py'), CONFIG,
        osp.join(work_dir, 'iter_6.pth'),
        str(tmp_path), '--branch', branch
    ], repo_root)
    log = _run([
        sys.executable,
        osp.join('tools', 'test.py'),
        str(tmp_path / f'{branch}_config.py'),
        str(tmp_path / f'{branch}.pth'), '--work-dir',
        str(tmp_path / 'test'), '--cfg-options',
        f'test_dataloader.dataset.data_root={synthetic_data_root}'
    ], repo_root)
    assert 'mIoU' in log
    validation = [s for s in _scalars(work_dir) if f'{branch}/mIoU' in s]
    results = glob.glob(str(tmp_path / 'test' / '*' / '*.json'))
    metrics = [json.load(open(p)) for p in results]
    miou = [m['mIoU'] for m in metrics if 'mIoU' in m]
    assert miou and miou[0] == pytest.approx(
        validation[-1][f'{branch}/mIoU'], abs=0.01)


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_two_gloo_processes(repo_root, synthetic_data_root, tmp_path):
    work_dir = tmp_path / 'dist'
    log = _run([
        'bash',
        osp.join('tools', 'dist_train.sh'), CONFIG, '2', '--work-dir',
        str(work_dir), '--cfg-options', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
        # 5 unlabelled over 2 ranks at 2 per batch: 1 iteration per epoch
        *_data_options(synthetic_data_root)
    ], repo_root, env_extra=dict(PORT=str(_free_port()),
                                 PYTHON=sys.executable))
    assert 'distributed backend set to gloo' in log
    assert 'unsup.loss_jml' in log and 'teacher/mIoU' in log
    state = torch.load(work_dir / 'iter_2.pth', map_location='cpu',
                       weights_only=False)['state_dict']
    assert any(k.startswith('teacher.') for k in state)
