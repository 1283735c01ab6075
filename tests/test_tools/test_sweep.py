import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest
from mmengine.config import Config

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
        timeout=1800)  # 4 tiny runs; slow only on a loaded shared machine
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
    assert cells[0] == 'synthetic fcn_unet-s5-c16'
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


@pytest.fixture(scope='module')
def sweep(repo_root):
    sys.path.insert(0, osp.join(repo_root, 'tools'))
    try:
        import sweep
    finally:
        sys.path.pop(0)
    return sweep


def test_config_labels(sweep):
    assert sweep.config_labels(
        'jml-bls_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024.py') == (
            'JML-BLS', 'deeplabv3_r18-d8')
    assert sweep.config_labels(
        'jml-kd_deeplabv3_r101-d8-to-pspnet_r18-d8_4xb4-40k_cityscapes-'
        '512x1024.py') == ('JML-KD', 'pspnet_r18-d8')
    with pytest.raises(ValueError, match='expected a config name'):
        sweep.config_labels('my_config.py')

    assert sweep.table_labels(
        'jml-kd_deeplabv3_r101-d8-to-pspnet_r18-d8_4xb4-40k_cityscapes-'
        '512x1024.py') == ('JML-KD', 'Cityscapes PSP-R18')
    assert sweep.table_labels(
        'ce_unet-head_m-v2_4xb2-10k_deepglobe-512x512.py') == (
            'CE', 'DeepGlobe UNet-MB2')


# A fake table: two students of one teacher, listed before it, and an
# unrelated config. Names follow the repository's naming pattern.
TEACHER = 'jml-bls_big_1xb2-4_syn-8x8.py'
STUDENTS = ['ce-kd_big-to-small_1xb2-4_syn-8x8.py',
            'jml-kd_big-to-small_1xb2-4_syn-8x8.py']
OTHER = 'ce_small_1xb2-4_syn-8x8.py'


def _fake_reader(sweep):
    """Reads the fake configs (they need not exist): the students name the
    teacher, every run writes iter_4.pth."""

    def read(config, cfg_options):
        teacher = TEACHER if osp.basename(config) in STUDENTS else None
        return sweep.ConfigInfo(teacher, 'iter_4.pth')

    return read


def _fake_plan(sweep, seeds=(0, 1)):
    return sweep.plan_runs([STUDENTS[0], OTHER, TEACHER, STUDENTS[1]],
                           seeds, 'root', read=_fake_reader(sweep))


def test_plan_runs_teachers_first_with_same_seed_checkpoint(
        sweep, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    jobs = _fake_plan(sweep)
    assert [(j.config, j.run) for j in jobs] == [
        (TEACHER, 'seed0'), (TEACHER, 'seed1'),
        (STUDENTS[0], 'seed0'), (STUDENTS[0], 'seed1'),
        (OTHER, 'seed0'), (OTHER, 'seed1'),
        (STUDENTS[1], 'seed0'), (STUDENTS[1], 'seed1'),
    ]
    for job in jobs:
        assert job.work_dir == osp.join('root', job.config[:-3], job.run)
        if job.config in STUDENTS:
            expected = osp.join('root', TEACHER[:-3], job.run, 'iter_4.pth')
            assert job.teacher_checkpoint == expected
            assert job.cfg_options == [
                f'model.teacher_checkpoint={expected}']
        else:
            assert job.teacher_checkpoint is None and not job.cfg_options


def test_plan_runs_adds_a_missing_teacher_and_sets_folds(
        sweep, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    jobs = sweep.plan_runs([STUDENTS[0]], [3], 'root', ['a=1'],
                           folds=[0, 4], read=_fake_reader(sweep))
    assert 'added the teacher' in capsys.readouterr().out
    assert [(j.config, j.run, j.seed, j.fold) for j in jobs] == [
        (TEACHER, 'fold0', 3, 0), (TEACHER, 'fold4', 3, 4),
        (STUDENTS[0], 'fold0', 3, 0), (STUDENTS[0], 'fold4', 3, 4)]
    assert jobs[3].cfg_options == [
        'a=1', 'train_dataloader.dataset.ann_file=splits/fold4_train.txt',
        'val_dataloader.dataset.ann_file=splits/fold4_val.txt',
        'test_dataloader.dataset.ann_file=splits/fold4_val.txt',
        'model.teacher_checkpoint=' +
        osp.join('root', TEACHER[:-3], 'fold4', 'iter_4.pth')
    ]
    with pytest.raises(ValueError, match='expected one --seeds value'):
        sweep.plan_runs([OTHER], [0, 1], 'root', folds=[0],
                        read=_fake_reader(sweep))


def test_order_configs_rejects_a_cycle(sweep):
    with pytest.raises(ValueError, match='expected teachers without cycles'):
        sweep.order_configs(['a', 'b'], {'a': 'b', 'b': 'a'})


def test_failed_teacher_skips_its_students_and_nothing_else(
        sweep, tmp_path, monkeypatch):
    """The teacher's seed-1 run and one unrelated run fail: the seed-1
    students are skipped, every other run still runs."""
    monkeypatch.chdir(tmp_path)
    jobs = _fake_plan(sweep)
    ran = []

    def runner(job):
        ran.append((job.config, job.run))
        if (job.config, job.run) in ((TEACHER, 'seed1'), (OTHER, 'seed0')):
            return False
        os.makedirs(job.work_dir, exist_ok=True)
        open(osp.join(job.work_dir, 'iter_4.pth'), 'w').close()
        return True

    status = sweep.execute(jobs, runner, done=lambda work_dir: False)
    assert ran == [(TEACHER, 'seed0'), (TEACHER, 'seed1'),
                   (STUDENTS[0], 'seed0'), (OTHER, 'seed0'),
                   (OTHER, 'seed1'), (STUDENTS[1], 'seed0')]
    by_run = {(j.config, j.run): status[j.work_dir] for j in jobs}
    assert by_run == {
        (TEACHER, 'seed0'): 'done', (TEACHER, 'seed1'): 'failed',
        (STUDENTS[0], 'seed0'): 'done', (STUDENTS[0], 'seed1'): 'skipped',
        (OTHER, 'seed0'): 'failed', (OTHER, 'seed1'): 'done',
        (STUDENTS[1], 'seed0'): 'done', (STUDENTS[1], 'seed1'): 'skipped',
    }


def test_finished_teacher_is_not_rerun_and_missing_checkpoint_skips(
        sweep, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    jobs = _fake_plan(sweep, seeds=(0,))
    teacher_dir = jobs[0].work_dir
    ran = []
    status = sweep.execute(
        jobs, lambda job: ran.append(job.config) or True,
        done=lambda work_dir: work_dir == teacher_dir)
    # The teacher is finished but its checkpoint is gone: students skipped.
    assert status[teacher_dir] == 'finished'
    assert ran == [OTHER]
    assert sorted(status.values()) == ['done', 'finished', 'skipped',
                                       'skipped']


def test_remote_commands_carry_the_dependencies(sweep, tmp_path,
                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    jobs = _fake_plan(sweep, seeds=(0,))
    slurm = sweep.dependent_commands(jobs, 'slurm', 8, 'gpu', 4,
                                     done=lambda work_dir: False)
    assert [line.split('=', 1)[0] for line in slurm] == [
        'JOB_1', 'JOB_2', 'JOB_3', 'JOB_4']
    assert all('sbatch --parsable --partition=gpu' in x for x in slurm)
    assert '--dependency' not in slurm[0] + slurm[2]
    for line in (slurm[1], slurm[3]):
        assert ('--dependency=afterok:$JOB_1 --kill-on-invalid-dep=yes'
                in line)
        assert 'model.teacher_checkpoint=' + jobs[1].teacher_checkpoint in (
            line)
    assert '--ntasks=8 --ntasks-per-node=4' in slurm[0]
    dist = sweep.dependent_commands(jobs, 'dist', 2, 'gpu',
                                    done=lambda work_dir: False)
    assert len(dist) == 4 and dist[0].startswith('bash tools/dist_train.sh')
    assert dist[1].startswith(f'test -f {jobs[1].teacher_checkpoint} && '
                              f'bash tools/dist_train.sh {STUDENTS[0]} 2 ')
    # A finished teacher needs no job: its students have no dependency.
    done_teacher = sweep.dependent_commands(
        jobs, 'slurm', 8, 'gpu', done=lambda wd: wd == jobs[0].work_dir)
    assert done_teacher[0].startswith('# skip (finished)')
    assert '--dependency' not in ''.join(done_teacher)


def test_is_finished_needs_the_newest_run_tested(sweep, tmp_path):
    """--reuse / resume: a newer unfinished run makes the work dir
    unfinished even though an older test json exists."""
    old = tmp_path / '20261127_000000'
    old.mkdir()
    (old / '20261127_000000.json').write_text(json.dumps({'mIoU': 1.0}))
    assert sweep.is_finished(str(tmp_path))
    (tmp_path / '20261128_000000').mkdir()
    (tmp_path / '20261128_000000' / '20261128_000000.log').write_text('')
    assert not sweep.is_finished(str(tmp_path))


def _plan_rows(stdout):
    rows = [line for line in stdout.splitlines()
            if re.match(r'^\| \d+ \|', line)]
    return [[c.strip() for c in line.strip('|').split('|')] for line in rows]


@pytest.mark.parametrize('list_file', [
    'configs/tables/table1_cityscapes.txt', 'configs/tables/table2_voc.txt',
    'configs/tables/table4_kd.txt',
    'configs/demo/reproduction.txt'
])
def test_dry_run_plan_names_the_teacher_checkpoint_of_each_seed(
        repo_root, tmp_path, list_file):
    """Every KD student of the list, for every seed, reads the checkpoint
    that its teacher's run of the same seed writes, and that run comes
    first."""
    work_root = str(tmp_path / 'root')
    proc = subprocess.run(
        [sys.executable, 'tools/sweep.py', list_file, '--seeds', '0', '1',
         '2', '--dry-run', '--work-root', work_root],
        cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _plan_rows(proc.stdout)
    position = {row[3]: int(row[0]) for row in rows}
    students = 0
    for index, config, run, work_dir, checkpoint in rows:
        cfg = Config.fromfile(osp.join(repo_root, config))
        teacher = cfg.model.get('teacher_config')
        if teacher is None:
            assert checkpoint == '-'
            continue
        students += 1
        teacher_cfg = Config.fromfile(osp.join(repo_root, teacher))
        name = osp.splitext(osp.basename(teacher))[0]
        teacher_dir = osp.join(work_root, name, run)
        assert checkpoint == osp.join(
            teacher_dir, f'iter_{teacher_cfg.train_cfg.max_iters}.pth')
        assert position[teacher_dir] < int(index)
        assert work_dir == osp.join(
            work_root, osp.splitext(osp.basename(config))[0], run)
    assert students > 0 and students % 3 == 0
    assert 'tools/train.py' in proc.stdout
    assert not os.path.exists(osp.join(work_root, name))


SSL_CONFIG = ('configs/ssl/jml-ssl-92labeled_deeplabv3plus_r101-d16-augseg_'
              '2xb16-52400_voc12aug-513x513.py')


@pytest.mark.parametrize('name, expected', [
    (SSL_CONFIG, ('JML-SSL', '92')),
    ('sup-1464labeled_deeplabv3plus_r101-d16-augseg_2xb8-7360_voc12aug-'
     '513x513.py', ('Supervised', '1464')),
    ('augseg-183labeled_deeplabv3plus_r101-d16-augseg_2xb16-52000_voc12aug-'
     '513x513.py', ('AugSeg', '183')),
    ('augseg-jmlsup-jmlunsup-92labeled_deeplabv3plus_r101-d16-augseg_2xb16-'
     '52400_voc12aug-513x513.py',
     ('AugSeg + JML (labelled + unlabelled)', '92')),
    ('jml-ssl-1of8labeled_fcn_unet-s5-c16_1xb16-150_mni152-128x128.py',
     ('JML-SSL', '1of8')),
    ('new-ssl-92labeled_m_1xb2-4_syn-8x8.py', ('NEW-SSL', '92')),
])
def test_ssl_labels(sweep, name, expected):
    assert sweep.ssl_labels(name) == expected


@pytest.mark.parametrize('name', [
    'jml-bls_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512.py',
    'jml-ssl-labeled_m_1xb2-4_syn-8x8.py', 'my_config.py'
])
def test_ssl_labels_reject_other_names(sweep, name):
    with pytest.raises(ValueError, match='expected a'):
        sweep.ssl_labels(name)


def test_table12_lists_hold_the_paper_rows(sweep, repo_root, monkeypatch):
    """The paper numbers attach to the model row the sweep gives the
    configs/ssl runs, and the lists hold Table 12's rows and ablation."""
    monkeypatch.chdir(repo_root)
    assert sweep.table_labels(SSL_CONFIG)[1] == \
        sweep.summarize_results.SSL_MODEL
    splits = ['92', '183', '366', '732', '1464']
    expected = {
        'configs/tables/table12_ssl.txt': [
            (m, s) for m in ('Supervised', 'AugSeg', 'JML-SSL')
            for s in splits],
        'configs/tables/table12_ablation.txt': [
            (m, s) for m in sweep.summarize_results.SSL_METHODS
            for s in ('92', '183')],
    }
    for path, rows in expected.items():
        assert sweep.read_directives([path]) == {'layout': 'ssl'}
        configs = sweep.expand_configs([path])
        assert [sweep.ssl_labels(c) for c in configs] == rows


def test_summarize_ssl_layout_of_a_sweep(sweep, tmp_path, monkeypatch):
    """Fake finished runs of two seeds: the final iteration from the test
    json, the best validation from the training's scalars.json, paper
    numbers beside the best validation, a run never started shown as —."""
    monkeypatch.chdir(tmp_path)
    names = [osp.basename(SSL_CONFIG),
             osp.basename(SSL_CONFIG).replace('jml-ssl-92', 'augseg-92')]
    jobs = sweep.plan_runs(
        names, [0, 1], 'root',
        read=lambda config, options: sweep.ConfigInfo(None, 'iter_4.pth'))
    scores = {(names[0], 'seed0'): (70.0, 75.0),
              (names[0], 'seed1'): (71.0, 77.0)}
    for job in jobs:
        if (job.config, job.run) not in scores:
            continue
        final, best = scores[job.config, job.run]
        vis = tmp_path / job.work_dir / '20261128_000000' / 'vis_data'
        vis.mkdir(parents=True)
        vis.joinpath('scalars.json').write_text(''.join(
            json.dumps({'teacher/mIoU': v, 'student/mIoU': v + 9,
                        'step': s}) + '\n'
            for s, v in ((2, best - 3), (4, best))))
        test = tmp_path / job.work_dir / '20261128_010000'
        test.mkdir()
        test.joinpath('20261128_010000.json').write_text(
            json.dumps({'mIoU': final}))
    markdown, csv_text, warnings = sweep.summarize(jobs, ['mIoU'], 'ssl')
    rows = [line for line in markdown.splitlines() if line.startswith('| ')]
    assert rows == [
        '| model | method | 92 |',
        '| VOC DL3+-R101 (AugSeg) | AugSeg | — (0/2 runs) |',
        '| VOC DL3+-R101 (AugSeg) | JML-SSL | 70.50 ± 0.71 |',
        '| model | method | 92 |',
        '| VOC DL3+-R101 (AugSeg) | AugSeg | — (0/2 runs) (paper 71.09) |',
        '| VOC DL3+-R101 (AugSeg) | JML-SSL | 76.00 ± 1.41 (paper 76.43) |',
    ]
    assert markdown.index('**Final iteration') < markdown.index(
        '**Best validation')
    assert sum('no validation mIoU logged' in w for w in warnings) == 2
    assert csv_text.splitlines()[0].startswith('selection,model,method,92')


def _recording_runner(fail=()):
    """A thread-safe runner that sleeps a little, records when each job
    starts and ends, writes the teacher checkpoint, and fails ``fail``."""
    lock = threading.Lock()
    events = []

    def runner(job):
        with lock:
            events.append(('start', job.config, job.run))
        time.sleep(0.05)
        ok = (job.config, job.run) not in fail
        if ok:
            os.makedirs(job.work_dir, exist_ok=True)
            open(osp.join(job.work_dir, 'iter_4.pth'), 'w').close()
        with lock:
            events.append(('end', job.config, job.run))
        return ok

    return runner, events


@pytest.mark.parametrize('max_parallel', [2, 3])
def test_parallel_execute_starts_students_after_their_teacher(
        sweep, tmp_path, monkeypatch, max_parallel):
    monkeypatch.chdir(tmp_path)
    jobs = _fake_plan(sweep)
    runner, events = _recording_runner()
    status = sweep.execute(jobs, runner, done=lambda work_dir: False,
                           max_parallel=max_parallel)
    assert set(status.values()) == {'done'}
    assert len(events) == 2 * len(jobs)
    position = {event: index for index, event in enumerate(events)}
    for job in jobs:
        if job.config in STUDENTS:
            assert (position[('start', job.config, job.run)] >
                    position[('end', TEACHER, job.run)])
    running = peak = 0
    for kind, _, _ in events:
        running += 1 if kind == 'start' else -1
        peak = max(peak, running)
    assert 1 < peak <= max_parallel


def test_parallel_execute_has_the_sequential_outcomes(sweep, tmp_path,
                                                      monkeypatch):
    """A failed teacher skips its students, and only them, in parallel as
    one after the other."""
    monkeypatch.chdir(tmp_path)
    fail = {(TEACHER, 'seed1'), (OTHER, 'seed0')}
    outcomes = []
    for max_parallel in (1, 2):
        for name in os.listdir(tmp_path):
            shutil.rmtree(osp.join(tmp_path, name))
        runner, _ = _recording_runner(fail)
        status = sweep.execute(_fake_plan(sweep), runner,
                               done=lambda work_dir: False,
                               max_parallel=max_parallel)
        outcomes.append(status)
    assert outcomes[0] == outcomes[1]
    assert sorted(outcomes[1].values()).count('skipped') == 2


@pytest.mark.parametrize('max_parallel', [0, -1, True, 1.5])
def test_execute_rejects_a_bad_parallelism(sweep, max_parallel):
    with pytest.raises(ValueError, match='expected max_parallel >= 1'):
        sweep.execute([], lambda job: True, max_parallel=max_parallel)


def test_run_job_logs_each_run_and_passes_threads(sweep, tmp_path,
                                                  monkeypatch):
    """With log_output the train and test output lands in the run's
    sweep.log; --threads reaches both commands."""
    monkeypatch.setattr(sweep, 'REPO', str(tmp_path))
    job = sweep.Job(config='a.py', run='seed0', seed=0, fold=None,
                    work_dir='wd/seed0')
    os.makedirs(tmp_path / 'wd' / 'seed0')
    (tmp_path / 'wd' / 'seed0' / 'last_checkpoint').write_text('ckpt.pth')
    seen = []
    real_commands = sweep.local_commands

    def fake_commands(config, work_dir, seed, cfg_options=(), threads=None):
        train, test = real_commands(config, work_dir, seed, cfg_options,
                                    threads)
        seen.extend([train, test])
        echo = [sys.executable, '-c', 'import sys; print(sys.argv[1:])']
        return [echo + train[1:], echo + ['x', 'y'] + test[3:]]

    monkeypatch.setattr(sweep, 'local_commands', fake_commands)
    assert sweep.run_job(job, threads=1, log_output=True)
    for command in seen:
        assert command[command.index('--threads') + 1] == '1'
    log = (tmp_path / 'wd' / 'seed0' / 'sweep.log').read_text()
    assert "'tools/train.py', 'a.py'" in log
    assert "'ckpt.pth'" in log  # the test command got the checkpoint


def test_same_labels_keep_the_plain_one_on_the_usual_schedule(
        sweep, tmp_path, monkeypatch):
    """A baseline and its longer-trained copy (the digits' KD teacher) share
    the labels: the one on the sweep's most common schedule stays ``CE``,
    the other is told apart by its schedule; with no such single config
    both carry their schedule."""
    monkeypatch.chdir(tmp_path)
    names = ['ce_unet_1xb8-30_syn-8x8.py', 'ce_unet_1xb8-10_syn-8x8.py',
             'jml_unet_1xb8-10_syn-8x8.py']
    jobs = sweep.plan_runs(
        names, [0], 'root',
        read=lambda config, options: sweep.ConfigInfo(None, 'iter_4.pth'))
    for job in jobs:
        test = tmp_path / job.work_dir / '20261128_010000'
        test.mkdir(parents=True)
        test.joinpath('20261128_010000.json').write_text(
            json.dumps({'mIoU': 50.0}))
    markdown, _, _ = sweep.summarize(jobs, ['mIoU'])
    header = [c.strip() for c in markdown.splitlines()[0].split('|')[1:-1]]
    assert 'CE (1xb8-30)' in header and 'JML' in header
    assert 'CE (1xb8-10)' not in header
    row = dict(zip(header, (c.strip() for c in
                            markdown.splitlines()[2].split('|')[1:-1])))
    assert row['CE'] == row['CE (1xb8-30)'] == '50.00'
    # two configs, one schedule each: no usual one, both suffixed
    markdown, _, _ = sweep.summarize(jobs[:2], ['mIoU'])
    header = markdown.splitlines()[0]
    assert 'CE (1xb8-30)' in header and 'CE (1xb8-10)' in header
