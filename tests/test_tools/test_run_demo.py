"""tools/run_demo.py's planning, thread setting and table, with a fake
runner (no training)."""
import importlib.util
import json
import os
import os.path as osp
import sys

import pytest


@pytest.fixture
def run_demo(repo_root):
    sys.path.insert(0, osp.join(repo_root, 'tools'))
    try:
        path = osp.join(repo_root, 'tools', 'run_demo.py')
        spec = importlib.util.spec_from_file_location('run_demo', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


def test_students_get_the_teacher_of_their_seed_and_threads_are_fixed(
        run_demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # main() changes to the repository
    monkeypatch.setenv('OMP_NUM_THREADS', '8')
    monkeypatch.setenv('MKL_NUM_THREADS', '8')
    monkeypatch.setattr(run_demo.subprocess, 'run', lambda *a, **k: None)
    ran = []

    def fake_run_job(job):
        ran.append((osp.basename(osp.dirname(job.work_dir)), job.run,
                    job.teacher_checkpoint, os.environ['OMP_NUM_THREADS']))
        run = osp.join(job.work_dir, '20260101_000000')
        os.makedirs(run)
        with open(osp.join(run, '20260101_000000.json'), 'w') as f:
            json.dump({'mIoU': 80.0 + job.seed, 'aAcc': 90.0}, f)
        open(osp.join(job.work_dir, 'iter_150.pth'), 'w').close()
        return True

    monkeypatch.setattr(run_demo.sweep, 'run_job', fake_run_job)
    work_root = str(tmp_path / 'demo')
    assert run_demo.main([
        '--work-root', work_root, '--only', 'JML-KD', '--seeds', '0', '1',
        '--threads', '3'
    ]) == 0
    teacher = 'jml-bls_fcn_unet-s5-c32_1xb8-150_mni152-128x128'
    student = ('jml-kd_fcn_unet-s5-c32-to-fcn_unet-s5-c16_1xb8-150_'
               'mni152-128x128')
    assert ran == [
        (teacher, 'seed0', None, '3'), (teacher, 'seed1', None, '3'),
        (student, 'seed0',
         osp.join(work_root, teacher, 'seed0', 'iter_150.pth'), '3'),
        (student, 'seed1',
         osp.join(work_root, teacher, 'seed1', 'iter_150.pth'), '3'),
    ]
    table = open(osp.join(work_root, 'results.md')).read()
    assert '| UNet | teacher (c32, JML-BLS) | 90.00 ± 0.00 | 80.50 ± 0.71' \
        in table
    assert '| UNet | JML-KD | 90.00 ± 0.00 | 80.50 ± 0.71' in table

    # --reuse: every run is finished, nothing runs again.
    ran.clear()
    assert run_demo.main(['--work-root', work_root, '--only', 'JML-KD',
                          '--seeds', '0', '1', '--reuse']) == 0
    assert ran == []
