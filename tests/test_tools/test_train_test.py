"""End-to-end runs of tools/train.py and tools/test.py as a user runs them."""
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


def _tool(repo_root, name):
    return osp.join(repo_root, 'tools', name)


def _data_options(data_root):
    return [
        f'{split}_dataloader.dataset.data_root={data_root}'
        for split in ('train', 'val', 'test')
    ]


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


def _test_metrics(work_dir):
    for path in sorted(glob.glob(osp.join(work_dir, '*', '*.json'))):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if len(lines) == 1 and 'mIoU' in lines[0]:
            return lines[0]
    return None


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def trained_work_dir(repo_root, synthetic_config, synthetic_data_root,
                     tmp_path_factory):
    """Train the tiny config for 4 iterations (checkpoints at 2 and 4),
    seed 0 on one CPU thread."""
    work_dir = str(tmp_path_factory.mktemp('train'))
    proc = _run(_seeded_train_command(repo_root, synthetic_config,
                                      synthetic_data_root, work_dir),
                cwd=repo_root)
    return work_dir, proc.stdout + proc.stderr


def _seeded_train_command(repo_root, config, data_root, work_dir):
    return [
        sys.executable,
        _tool(repo_root, 'train.py'), config, '--work-dir', work_dir,
        '--threads', '1', '--cfg-options', 'randomness.seed=0',
        *_data_options(data_root)
    ]


def _final_val_metrics(work_dir):
    """The validation metrics logged at the end of training."""
    path, = glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    metrics = [line for line in lines if 'mIoU' in line]
    assert metrics, f'no validation metrics in {path}'
    return {k: v for k, v in metrics[-1].items()
            if k not in ('time', 'data_time', 'step')}


def test_train_writes_checkpoints_and_reverts_syncbn(trained_work_dir):
    work_dir, log = trained_work_dir
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))
    if not torch.cuda.is_available():
        assert 'reverted 2 SyncBN layer config(s) to BN' in log
    assert 'mIoU' in log  # validation ran at the end


def test_resume_from_checkpoint_without_env_vars(repo_root, synthetic_config,
                                                 synthetic_data_root,
                                                 trained_work_dir):
    work_dir, _ = trained_work_dir
    env = {k: v for k, v in os.environ.items() if 'TORCH' not in k}
    proc = _run([
        sys.executable,
        _tool(repo_root, 'train.py'), synthetic_config, '--work-dir',
        work_dir, '--resume', '--cfg-options',
        *_data_options(synthetic_data_root), 'train_cfg.max_iters=6',
        'param_scheduler.0.end=6'
    ], cwd=repo_root, env_extra=env)
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 0, iter: 4' in log
    assert osp.isfile(osp.join(work_dir, 'iter_6.pth'))


def test_test_tool_evaluates_checkpoint(repo_root, synthetic_config,
                                        synthetic_data_root, trained_work_dir,
                                        tmp_path):
    work_dir, _ = trained_work_dir
    out_dir = tmp_path / 'preds'
    _run([
        sys.executable,
        _tool(repo_root, 'test.py'), synthetic_config,
        osp.join(work_dir, 'iter_4.pth'), '--work-dir',
        str(tmp_path), '--out',
        str(out_dir), '--cfg-options', *_data_options(synthetic_data_root)
    ], cwd=repo_root)
    metrics = _test_metrics(str(tmp_path))
    assert metrics is not None and 0.0 <= metrics['mIoU'] <= 100.0
    assert len(list(out_dir.glob('*.png'))) == 4


@pytest.mark.parametrize('device', ['cuda', 'cpu'])
def test_amp_flag_switches_optim_wrapper(repo_root, synthetic_config,
                                         monkeypatch, device):
    sys.path.insert(0, osp.join(repo_root, 'tools'))
    try:
        import train as train_tool
    finally:
        sys.path.pop(0)
    monkeypatch.setattr('torch.cuda.is_available', lambda: device == 'cuda')
    monkeypatch.setattr('mmseg_jml.utils.runtime.get_device', lambda: device)
    plain = train_tool.setup_config(train_tool.parse_args([synthetic_config]))
    amp = train_tool.setup_config(
        train_tool.parse_args([synthetic_config, '--amp']))
    assert plain.optim_wrapper.type == 'OptimWrapper'
    if device == 'cuda':
        assert amp.optim_wrapper.type == 'AmpOptimWrapper'
        assert amp.optim_wrapper.loss_scale == 'dynamic'
    else:
        assert amp.optim_wrapper.type == 'CPUAmpOptimWrapper'
        assert 'loss_scale' not in amp.optim_wrapper


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='the CPU path of --amp needs no GPU')
def test_amp_trains_on_the_cpu(repo_root, synthetic_config,
                               synthetic_data_root, tmp_path):
    """Issue 15: --amp without a GPU trains (bfloat16 autocast) instead of
    failing in MMEngine's AmpOptimWrapper."""
    proc = _run([
        sys.executable,
        _tool(repo_root, 'train.py'), synthetic_config, '--amp',
        '--work-dir', str(tmp_path), '--threads', '1', '--cfg-options',
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        *_data_options(synthetic_data_root)
    ], cwd=repo_root)
    log = proc.stdout + proc.stderr
    assert 'AmpOptimWrapper -> CPUAmpOptimWrapper' in log
    assert osp.isfile(tmp_path / 'iter_2.pth')
    assert 'mIoU' in _final_val_metrics(str(tmp_path))


def test_same_seed_and_threads_train_identically(repo_root, synthetic_config,
                                                 synthetic_data_root,
                                                 tmp_path):
    """Issue 15: one seed and one thread count give the same weights and
    the same metrics, to the last digit. Two fresh work dirs, so that no
    other test's run (e.g. a resume) shares them."""
    runs = [str(tmp_path / 'first'), str(tmp_path / 'second')]
    for work_dir in runs:
        _run(_seeded_train_command(repo_root, synthetic_config,
                                   synthetic_data_root, work_dir),
             cwd=repo_root)
    assert _final_val_metrics(runs[0]) == _final_val_metrics(runs[1])
    weights = [
        torch.load(osp.join(d, 'iter_4.pth'), map_location='cpu',
                   weights_only=False)['state_dict'] for d in runs
    ]
    assert weights[0].keys() == weights[1].keys()
    for key, value in weights[0].items():
        assert torch.equal(value, weights[1][key]), key


def test_threads_must_be_positive(repo_root, synthetic_config):
    proc = _run([
        sys.executable,
        _tool(repo_root, 'train.py'), synthetic_config, '--threads', '0'
    ], cwd=repo_root, expect_ok=False)
    assert proc.returncode != 0
    assert 'expected --threads >= 1, got 0' in proc.stderr


@pytest.mark.parametrize('tool,args,message', [
    ('train.py', ['missing_config.py'], 'config file not found'),
    ('test.py', ['missing_config.py', 'x.pth'], 'config file not found'),
])
def test_missing_config_fails_clearly(repo_root, tool, args, message):
    proc = _run([sys.executable, _tool(repo_root, tool), *args],
                cwd=repo_root, expect_ok=False)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_corrupt_checkpoint_fails_clearly(repo_root, synthetic_config,
                                          tmp_path):
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(b'this is not a checkpoint')
    proc = _run([
        sys.executable,
        _tool(repo_root, 'test.py'), synthetic_config,
        str(corrupt)
    ], cwd=repo_root, expect_ok=False)
    assert proc.returncode != 0
    assert 'not a PyTorch checkpoint' in proc.stderr


def test_missing_checkpoint_fails_clearly(repo_root, synthetic_config,
                                          tmp_path):
    proc = _run([
        sys.executable,
        _tool(repo_root, 'test.py'), synthetic_config,
        str(tmp_path / 'nope.pth')
    ], cwd=repo_root, expect_ok=False)
    assert proc.returncode != 0
    assert 'checkpoint file not found' in proc.stderr


def test_unknown_model_type_fails_clearly(repo_root, synthetic_config,
                                          synthetic_data_root, tmp_path):
    proc = _run([
        sys.executable,
        _tool(repo_root, 'train.py'), synthetic_config, '--work-dir',
        str(tmp_path), '--cfg-options', 'model.decode_head.type=NoSuchHead',
        *_data_options(synthetic_data_root)
    ], cwd=repo_root, expect_ok=False)
    assert proc.returncode != 0
    assert 'NoSuchHead is not in the' in proc.stderr


def test_unmodified_mmseg_config_with_custom_imports_trains(
        repo_root, synthetic_data_root, tmp_path):
    """MMSeg's own model base, the plugin added by one line."""
    config = tmp_path / 'plain_mmseg_config.py'
    data = osp.join(repo_root, 'tests', 'fixtures', 'configs', '_base_',
                    'synthetic_shapes.py')
    config.write_text(
        textwrap.dedent(f"""
        _base_ = [
            'mmseg::_base_/models/fcn_unet_s5-d16.py', {data!r},
            'mmseg::_base_/default_runtime.py',
            'mmseg::_base_/schedules/schedule_20k.py'
        ]
        custom_imports = dict(imports=['mmseg_jml'],
                              allow_failed_imports=False)
        data_preprocessor = dict(size=(32, 32))
        model = dict(
            data_preprocessor=data_preprocessor,
            decode_head=dict(num_classes=3,
                             loss_decode=dict(_delete_=True,
                                              type='JaccardMetricLoss')),
            auxiliary_head=dict(num_classes=3),
            test_cfg=dict(mode='whole'))
        """))
    work_dir = tmp_path / 'work'
    proc = _run([
        sys.executable,
        _tool(repo_root, 'train.py'),
        str(config), '--work-dir',
        str(work_dir), '--cfg-options', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.logger.interval=1',
        *_data_options(synthetic_data_root)
    ], cwd=repo_root)
    assert 'decode.loss_jml' in proc.stdout + proc.stderr
    assert osp.isfile(work_dir / 'iter_2.pth')


def test_distributed_cpu_training_two_processes(repo_root, synthetic_config,
                                                synthetic_data_root,
                                                tmp_path):
    work_dir = tmp_path / 'dist'
    proc = _run([
        'bash',
        _tool(repo_root, 'dist_train.sh'), synthetic_config, '2',
        '--work-dir',
        str(work_dir), '--cfg-options', 'train_cfg.max_iters=2',
        'default_hooks.checkpoint.interval=2',
        *_data_options(synthetic_data_root)
    ], cwd=repo_root, env_extra=dict(PORT=str(_free_port()), PYTHON=sys.executable),
                 timeout=400)
    log = proc.stdout + proc.stderr
    assert 'distributed backend set to gloo' in log
    assert osp.isfile(work_dir / 'iter_2.pth')
