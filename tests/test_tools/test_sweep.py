import os.path as osp
import subprocess
import sys

import pytest

FIXTURES = osp.join('tests', 'fixtures', 'configs')
CONFIGS = [
    osp.join(FIXTURES, f'{m}_fcn_unet-s5-c16_1xb2-4_synthetic-32x32.py')
    for m in ('ce', 'jml')
]


def _sweep(repo_root, work_root, data_root, *extra):
    options = [
        f'{split}_dataloader.dataset.data_root={data_root}'
        for split in ('train', 'val', 'test')
    ] + ['train_cfg.max_iters=2', 'train_cfg.val_interval=2']
    proc = subprocess.run(
        [
            sys.executable, 'tools/sweep.py', *CONFIGS, '--seeds', '0', '1',
            '--work-root', work_root, '--metrics', 'mIoU', 'aAcc',
            '--cfg-options', *options, *extra
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


def test_sweep_runs_skips_and_writes_table(repo_root, synthetic_data_root,
                                           tmp_path):
    work_root = str(tmp_path / 'sweep')
    first = _sweep(repo_root, work_root, synthetic_data_root)
    assert first.count('tools/train.py') == 4
    for config in CONFIGS:
        name = osp.splitext(osp.basename(config))[0]
        for seed in (0, 1):
            assert osp.isfile(
                osp.join(work_root, name, f'seed{seed}', 'last_checkpoint'))
    table = open(osp.join(work_root, 'results.md')).read()
    header = table.splitlines()[0]
    assert header.startswith('| model | metric | CE | CE-BLS | CE-KD | JML |')
    row = [line for line in table.splitlines() if '| mIoU |' in line][0]
    cells = [cell.strip() for cell in row.strip('|').split('|')]
    assert cells[0] == 'fcn_unet-s5-c16'
    # CE and JML: mean ± std over the two seeds; methods not run: missing
    assert '±' in cells[2] and '±' in cells[5]
    assert cells[3] == cells[4] == '—'
    assert osp.isfile(osp.join(work_root, 'results.csv'))

    second = _sweep(repo_root, work_root, synthetic_data_root)
    assert 'tools/train.py' not in second
    assert second.count('skip (finished)') == 4


def test_sweep_prints_distributed_commands(repo_root, synthetic_data_root,
                                           tmp_path):
    out = _sweep(repo_root, str(tmp_path), synthetic_data_root, '--launcher',
                 'dist', '--gpus', '8')
    assert out.count('bash tools/dist_train.sh') == 4
    assert ' 8 --work-dir' in out
    assert not (tmp_path / 'ce_fcn_unet-s5-c16_1xb2-4_synthetic-32x32').exists()


def test_config_labels():
    sys.path.insert(0, 'tools')
    try:
        import sweep
    finally:
        sys.path.pop(0)
    assert sweep.config_labels(
        'jml-bls_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024.py') == (
            'JML-BLS', 'deeplabv3_r18-d8')
    assert sweep.config_labels(
        'jml-kd_deeplabv3_r101-d8-to-pspnet_r18-d8_4xb4-40k_cityscapes-'
        '512x1024.py') == ('JML-KD', 'pspnet_r18-d8')
    with pytest.raises(ValueError, match='expected a config name'):
        sweep.config_labels('my_config.py')
