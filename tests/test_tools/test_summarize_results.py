"""Tests of ``tools/summarize_results.py`` on fake work dirs."""
import csv
import importlib.util
import io
import json
import os.path as osp
import statistics
import subprocess
import sys

import pytest


@pytest.fixture(scope='module')
def tool(repo_root):
    path = osp.join(repo_root, 'tools', 'summarize_results.py')
    spec = importlib.util.spec_from_file_location('summarize_results', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules['summarize_results'] = module
    spec.loader.exec_module(module)
    return module


def _work_dir(path, metrics, timestamp='20261128_155401', train_only=None):
    """A work dir as tools/test.py leaves it (plus an older run)."""
    old = path / '20261127_000000'
    old.mkdir(parents=True)
    (old / '20261127_000000.json').write_text(json.dumps({'mIoU': -1.0}))
    if train_only:  # a newer dir without metrics json (e.g. a crash)
        (path / '20261129_000000' / 'vis_data').mkdir(parents=True)
    ts = path / timestamp
    ts.mkdir()
    (ts / f'{timestamp}.json').write_text(
        json.dumps({**metrics, 'data_time': 0.01, 'time': 0.1}))
    return path


# ROOT/<model>/<method>/<seed>/: DL3 has CE x3, JML x2 (+1 run without
# metrics), JML-BLS x1; PSP has CE x1 only.
RUNS = {
    ('DL3', 'CE', 'seed0'): {'mIoU': 70.0, 'ECE': 5.0, 'BECE': 30.0},
    ('DL3', 'CE', 'seed1'): {'mIoU': 71.0, 'ECE': 6.0, 'BECE': 31.0},
    ('DL3', 'CE', 'seed2'): {'mIoU': 72.5, 'ECE': 4.0, 'BECE': 29.0},
    ('DL3', 'JML', 'seed0'): {'mIoU': 74.0, 'calib/ECE': 3.0,
                              'calib/BECE': 20.0},
    ('DL3', 'JML', 'seed1'): {'mIoU': 75.0, 'calib/ECE': 3.5,
                              'calib/BECE': 21.0},
    ('DL3', 'JML-BLS', 'seed0'): {'mIoU': 75.5, 'ECE': 2.0, 'BECE': 15.0},
    ('PSP', 'CE', 'seed0'): {'mIoU': 69.0, 'ECE': 7.0},
}


@pytest.fixture
def root(tmp_path):
    for (model, method, seed), metrics in RUNS.items():
        _work_dir(tmp_path / 'runs' / model / method / seed, metrics)
    (tmp_path / 'runs' / 'DL3' / 'JML' / 'seed2' / '20261128_000000').mkdir(
        parents=True)  # a run that never tested
    return tmp_path / 'runs'


def _md_rows(markdown):
    lines = [x for x in markdown.splitlines() if x.startswith('|')]
    return [[c.strip() for c in x.strip('|').split('|')] for x in lines]


def test_find_metrics_json_takes_newest_test_json(tool, tmp_path):
    wd = _work_dir(tmp_path / 'wd', {'mIoU': 1.0})
    assert tool.find_metrics_json(str(wd)).endswith(
        '20261128_155401/20261128_155401.json')
    assert tool.load_run_metrics(str(wd)) == {
        'mIoU': 1.0, 'data_time': 0.01, 'time': 0.1}
    state = tool.inspect_run(str(wd))
    assert state.finished and state.warnings == []
    assert tool.load_run_metrics(str(tmp_path / 'absent')) is None
    assert not tool.inspect_run(str(tmp_path / 'absent')).finished


@pytest.mark.parametrize('newer', ['unfinished_test', 'later_training'])
def test_newer_run_without_results_makes_them_stale(tool, tmp_path, newer):
    """Issue 13 item 18: an older finished test is still reported, but with
    a warning that names the newer run, and the run is not finished."""
    wd = _work_dir(tmp_path / 'wd', {'mIoU': 1.0})
    newest = wd / '20261129_000000'
    newest.mkdir()
    (newest / '20261129_000000.log').write_text('Iter(test) [1/4]\n')
    if newer == 'later_training':
        (newest / 'vis_data').mkdir()
    state = tool.inspect_run(str(wd))
    assert state.metrics['mIoU'] == 1.0
    assert not state.finished
    assert len(state.warnings) == 1
    assert 'stale results' in state.warnings[0]
    assert '20261129_000000' in state.warnings[0]
    assert '20261128_155401.json' in state.warnings[0]
    run, = tool.collect_runs([f'CE={wd}'])
    assert run.metrics['mIoU'] == 1.0 and run.warnings == state.warnings
    assert any('stale results' in line and '20261129_000000' in line
               for line in tool.run_warnings([run]))


@pytest.mark.parametrize('content', ['{"mIoU": 7', '[1, 2]', ''])
def test_unreadable_json_is_skipped_with_a_warning(tool, tmp_path, content):
    """A truncated (or non-object) newest json is skipped: the older result
    is reported as stale; no exception."""
    wd = _work_dir(tmp_path / 'wd', {'mIoU': 1.0})
    bad = wd / '20261129_000000'
    bad.mkdir()
    (bad / '20261129_000000.json').write_text(content)
    state = tool.inspect_run(str(wd))
    assert state.metrics['mIoU'] == 1.0
    assert state.json_path.endswith('20261128_155401.json')
    assert not state.finished
    assert 'skipped unreadable test results' in state.warnings[0]
    assert '20261129_000000.json' in state.warnings[0]
    assert 'stale results' in state.warnings[1]


def test_only_json_unreadable_counts_as_missing(tool, tmp_path):
    ts = tmp_path / 'wd' / '20261129_000000'
    ts.mkdir(parents=True)
    (ts / '20261129_000000.json').write_text('{"mIoU": 7')
    state = tool.inspect_run(str(tmp_path / 'wd'))
    assert state.metrics is None and not state.finished
    assert len(state.warnings) == 1


def test_paper_layout_mean_std_and_missing(tool, root):
    runs = tool.collect_runs(root=str(root))
    assert len(runs) == 8
    assert sum(r.metrics is None for r in runs) == 1
    cells = tool.summarize(runs, ['mIoU', 'ECE', 'BECE'])
    rows = _md_rows(tool.to_markdown(cells))
    assert rows[0] == ['model', 'metric', 'CE', 'CE-BLS', 'CE-KD', 'JML',
                       'JML-BLS', 'JML-KD']
    table = {(r[0], r[1]): dict(zip(rows[0][2:], r[2:])) for r in rows[2:]}
    assert list(table) == [('DL3', 'mIoU'), ('DL3', 'ECE'), ('DL3', 'BECE'),
                           ('PSP', 'mIoU'), ('PSP', 'ECE'), ('PSP', 'BECE')]
    std = statistics.stdev([70.0, 71.0, 72.5])  # 1.258, ddof=1
    assert table['DL3', 'mIoU']['CE'] == f'71.17 ± {std:.2f}'
    assert table['DL3', 'mIoU']['CE'] == '71.17 ± 1.26'
    # Prefixed keys match; the run without metrics is shown as missing.
    assert table['DL3', 'ECE']['JML'] == '3.25 ± 0.35 (2/3 runs)'
    assert table['DL3', 'mIoU']['JML-BLS'] == '75.50'  # one run: no ±
    for method in ('CE-BLS', 'CE-KD', 'JML-KD'):
        assert table['DL3', 'mIoU'][method] == '—'
    assert table['PSP', 'mIoU']['JML'] == '—'
    assert table['PSP', 'BECE']['CE'] == '— (0/1 runs)'
    assert not any(v.startswith('0') for r in table.values()
                   for v in r.values())


def test_csv_has_numbers_and_empty_missing(tool, root):
    cells = tool.summarize(tool.collect_runs(root=str(root)), ['mIoU'])
    rows = list(csv.DictReader(io.StringIO(tool.to_csv(cells))))
    assert [(r['model'], r['metric']) for r in rows] == [('DL3', 'mIoU'),
                                                        ('PSP', 'mIoU')]
    dl3 = rows[0]
    assert float(dl3['CE']) == pytest.approx(71.1666666, abs=1e-6)
    assert float(dl3['CE_std']) == pytest.approx(
        statistics.stdev([70.0, 71.0, 72.5]))
    assert dl3['CE_n'] == '3' and dl3['JML_n'] == '2'
    assert dl3['JML-BLS_std'] == '' and dl3['CE-KD'] == ''
    assert dl3['CE-KD_n'] == '0'


def test_by_method_layout_and_explicit_runs(tool, root):
    specs = [f'{m}={root / "DL3" / m / s}'
             for (_, m, s) in RUNS if _ == 'DL3'] + ['Other=/nonexistent']
    cells = tool.summarize(
        tool.collect_runs(specs, model='DL3'), ['mIoU', 'ECE', 'BECE'])
    rows = _md_rows(tool.to_markdown(cells, layout='by_method'))
    assert rows[0] == ['model', 'method', 'mIoU', 'ECE', 'BECE']
    assert [r[1] for r in rows[2:]] == ['CE', 'JML', 'JML-BLS', 'Other']
    assert rows[-1][2:] == ['— (0/1 runs)'] * 3
    assert rows[3][2:] == ['74.50 ± 0.71', '3.25 ± 0.35', '20.50 ± 0.71']


def test_paper_numbers_beside_ours(tool, root, tmp_path):
    paper_csv = tmp_path / 'paper.csv'
    paper_csv.write_text('model,metric,method,value\n'
                         'DL3,mIoU,CE,72.88\nDL3,mIoU,JML-KD,78.14\n'
                         'R101,mIoU,CE,80.0\n')  # no run: no row
    cells = tool.summarize(
        tool.collect_runs(root=str(root)), ['mIoU'],
        tool.load_paper_numbers(str(paper_csv)))
    table = {r[0]: r for r in _md_rows(tool.to_markdown(cells))[2:]}
    assert list(table) == ['DL3', 'PSP']
    assert table['DL3'][2] == '71.17 ± 1.26 (paper 72.88)'
    assert table['DL3'][7] == '— (paper 78.14)'
    builtin = tool.load_paper_numbers('builtin')
    assert builtin['Cityscapes DL3-R18', 'mIoU', 'JML-KD'] == 78.14


@pytest.mark.parametrize('spec, expected', [
    ('CE=a/b', ('model', 'CE', 'a/b')),
    ('R18:JML-BLS=/x=y', ('R18', 'JML-BLS', '/x=y')),
])
def test_parse_run_spec(tool, spec, expected):
    assert tool.parse_run_spec(spec) == expected


@pytest.mark.parametrize('spec', ['CE', '=dir', 'CE=', ':CE=dir'])
def test_parse_run_spec_errors(tool, spec):
    with pytest.raises(ValueError, match='expected a run as '
                       r'\[MODEL:\]METHOD=WORK_DIR, got'):
        tool.parse_run_spec(spec)


def test_command_line_writes_md_and_csv(repo_root, root, tmp_path):
    out_md, out_csv = tmp_path / 'out' / 't.md', tmp_path / 'out' / 't.csv'
    proc = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'summarize_results.py'), '--root',
        str(root), '--metrics', 'mIoU', 'ECE', '--out-md',
        str(out_md), '--out-csv',
        str(out_csv)
    ], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert 'no test metrics' in proc.stderr and 'seed2' in proc.stderr
    assert out_md.read_text() == proc.stdout
    assert '| DL3 | mIoU | 71.17 ± 1.26 |' in proc.stdout
    assert out_csv.read_text().startswith('model,metric,CE,CE_std,CE_n,')


def test_command_line_survives_a_truncated_json(repo_root, root):
    """One truncated json does not abort the table: the run is reported as
    missing, with a warning naming the file."""
    bad = root / 'PSP' / 'CE' / 'seed0'
    for ts in bad.iterdir():
        (ts / f'{ts.name}.json').write_text('{"mIoU": 69.0, "EC')
    proc = subprocess.run([
        sys.executable,
        osp.join(repo_root, 'tools', 'summarize_results.py'), '--root',
        str(root), '--metrics', 'mIoU'
    ], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert 'skipped unreadable test results' in proc.stderr
    assert str(bad) in proc.stderr
    assert '| DL3 | mIoU | 71.17 ± 1.26 |' in proc.stdout
    assert '| PSP | mIoU | — (0/1 runs) |' in proc.stdout


@pytest.mark.parametrize('method, expected', [
    ('JML-BLS', ('JML', 'k=3', 0.5)),
    ('JML-BLS-E01', ('JML', 'k=3', 0.1)),
    ('JML-BLS-K5', ('JML', 'k=5', 0.5)),
    ('CE-BLS-K9-E07', ('CE', 'k=9', 0.7)),
    ('JML-LS-E03', ('JML', 'all', 0.3)),
    ('JML', None),
    ('JML-KD', None),
])
def test_bls_grid_position(tool, method, expected):
    assert tool.bls_grid_position(method) == expected


def test_eps_grid_marks_the_best_eps_per_kernel(tool):
    values = {  # (method, seed values of mIoU)
        'JML-BLS-E01': [70.0, 72.0], 'JML-BLS': [74.0, 75.0],
        'JML-BLS-E09': [73.0, 73.0], 'JML-BLS-K5-E01': [71.0],
        'JML-BLS-K5': [70.0], 'JML': [69.0],
    }
    runs = [
        tool.Run('VOC DL3-R18', method, f'/x/{method}/{i}', {'mIoU': v})
        for method, vs in values.items() for i, v in enumerate(vs)
    ]
    markdown, csv_text = tool.to_eps_grid(tool.summarize(runs, ['mIoU']))
    rows = _md_rows(markdown)
    assert rows[0] == ['model', 'loss', 'kernel', 'ε=0.1', 'ε=0.5',
                       'ε=0.9', 'best ε']
    assert rows[2] == ['VOC DL3-R18', 'JML', 'k=3', '71.00 ± 1.41',
                       '**74.50 ± 0.71**', '73.00 ± 0.00', '0.5']
    assert rows[3] == ['VOC DL3-R18', 'JML', 'k=5', '**71.00**', '70.00',
                       '—', '0.1']
    assert '- not in the grid: VOC DL3-R18 JML: 69.00' in markdown
    parsed = list(csv.DictReader(io.StringIO(csv_text)))
    assert parsed[0]['0.5'] == '74.5' and parsed[0]['best_eps'] == '0.5'
    assert parsed[1]['0.9_n'] == '0'


def test_fold_table_with_paper_numbers(tool):
    ours = {'CE-KD': [65.0, 67.0, None], 'JML-KD': [67.5, 68.0, 67.0]}
    runs, folds = [], []
    for method, values in ours.items():
        for fold, value in enumerate(values):
            metrics = None if value is None else {'mIoU': value}
            runs.append(tool.Run('DeepGlobe DL3-R18', method,
                                 f'/x/{method}/fold{fold}', metrics))
            folds.append(fold)
    markdown, csv_text = tool.to_fold_tables(
        runs, folds, 'mIoU', tool.BUILTIN_PAPER_FOLD_NUMBERS)
    rows = _md_rows(markdown)
    assert rows[0] == ['model', 'method', 'fold 0', 'fold 1', 'fold 2',
                       'mean ± std']
    paper = tool.BUILTIN_PAPER_FOLD_NUMBERS['DeepGlobe DL3-R18', 'mIoU',
                                            'CE-KD']
    assert paper == (64.93, 67.47, 66.22, 66.37, 67.00)
    p_mean, p_std = statistics.fmean(paper), statistics.stdev(paper)
    assert rows[2] == [
        'DeepGlobe DL3-R18', 'CE-KD', '65.00 (paper 64.93)',
        '67.00 (paper 67.47)', '— (paper 66.22)',
        f'66.00 ± 1.41 (2/3 runs) (paper {p_mean:.2f} ± {p_std:.2f})'
    ]
    assert tool.BUILTIN_PAPER_NUMBERS['DeepGlobe DL3-R18', 'mIoU',
                                      'CE-KD'] == pytest.approx(p_mean)
    parsed = list(csv.DictReader(io.StringIO(csv_text)))
    assert parsed[1]['fold2'] == '67.0' and parsed[1]['n'] == '3'
    assert float(parsed[1]['paper_mean']) == pytest.approx(67.624)
    with pytest.raises(ValueError, match='expected one fold per run'):
        tool.to_fold_tables(runs, folds[:-1])


# Table 12 (--layout ssl): fake training and test runs as MMEngine writes
# them: a training leaves <ts>/vis_data/scalars.json (one JSON object a line:
# training records, and after every validation the metrics of
# TeacherStudentValLoop, or of a plain ValLoop for a supervised run); a test
# leaves <ts>/<ts>.json.
def _train_dir(path, timestamp, records):
    vis = path / timestamp / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in records))
    return path


def _val(step, teacher, student=None):
    student = teacher + 5.0 if student is None else student
    return {'teacher/aAcc': 90.0, 'teacher/mIoU': teacher,
            'student/mIoU': student, 'data_time': 0.1, 'time': 0.2,
            'step': step}


def _train(step):
    return {'lr': 0.01, 'loss': 1.0, 'iter': step, 'step': step}


def _ssl_run(path, final, best_curve, supervised=False):
    """A training (validations of ``best_curve`` every 10 iterations,
    resumed once halfway), then the test of the last checkpoint."""
    records = []
    for index, value in enumerate(best_curve, 1):
        records += [_train(10 * index),
                    {'mIoU': value, 'step': 10 * index} if supervised
                    else _val(10 * index, value)]
    half = len(records) // 2
    _train_dir(path, '20261128_000000', records[:half])
    _train_dir(path, '20261128_010000', records[half:])
    if final is not None:
        ts = path / '20261128_020000'
        (ts / 'vis_data').mkdir(parents=True)
        (ts / '20261128_020000.json').write_text(
            json.dumps({'aAcc': 90.0, 'mIoU': final, 'time': 0.1}))
    return str(path)


def test_best_validation_takes_the_teachers_best_over_resumed_runs(
        tool, tmp_path):
    work_dir = _ssl_run(tmp_path / 'run', 60.0, [50.0, 71.5, 66.0, 71.5])
    best = tool.best_validation(work_dir)
    # teacher, not the student's higher scores; the first of equal scores
    assert (best.value, best.step, best.key) == (71.5, 20, 'teacher/mIoU')
    assert best.warnings == []
    # the best checkpoint save_best keeps agrees with the logs
    (tmp_path / 'run' / 'best_teacher_mIoU_iter_20.pth').write_bytes(b'')
    assert tool.best_validation(work_dir).warnings == []


def test_best_validation_of_a_supervised_run_and_nothing_logged(
        tool, tmp_path):
    work_dir = _ssl_run(tmp_path / 'sup', 40.0, [30.0, 44.0, 41.0],
                        supervised=True)
    best = tool.best_validation(work_dir)
    assert (best.value, best.step, best.key) == (44.0, 20, 'mIoU')
    assert tool.best_validation(work_dir, 'mAcc').value is None
    empty = tool.best_validation(str(tmp_path / 'absent'))
    assert (empty.value, empty.step, empty.key) == (None, None, None)


def test_best_validation_warns_on_bad_lines_and_a_foreign_checkpoint(
        tool, tmp_path):
    work_dir = _ssl_run(tmp_path / 'run', 60.0, [50.0, 70.0])
    scalars = tmp_path / 'run' / '20261128_010000' / 'vis_data' / \
        'scalars.json'
    scalars.write_text(scalars.read_text() + '{"teacher/mIoU": 9\n[1]\n')
    (tmp_path / 'run' / 'best_teacher_mIoU_iter_30.pth').write_bytes(b'')
    best = tool.best_validation(work_dir)
    assert best.value == 70.0
    assert sum('skipped unreadable line' in w for w in best.warnings) == 2
    assert any('best_teacher_mIoU_iter_30.pth is from step 30' in w
               and 'at step 20' in w for w in best.warnings)


# (method, split) -> (final iteration, best validation) of each seed; the
# AugSeg 183 run of seed 1 never finished (no test json, no validation).
SSL_RUNS = {
    ('JML-SSL', '92'): [(70.0, 76.0), (72.0, 77.0)],
    ('AugSeg', '92'): [(64.0, 71.0), (66.0, 71.0)],
    ('AugSeg', '183'): [(71.0, 75.5), (None, None)],
    ('Supervised', '1464'): [(74.5, 75.0)],
}


@pytest.fixture
def ssl_runs(tool, tmp_path):
    runs, splits = [], []
    for (method, split), seeds in SSL_RUNS.items():
        for seed, (final, best) in enumerate(seeds):
            path = tmp_path / f'{method}_{split}' / f'seed{seed}'
            if best is None:
                (path / '20261128_000000').mkdir(parents=True)
            else:
                _ssl_run(path, final, [best - 10.0, best, best - 1.0],
                         supervised=method == 'Supervised')
            runs.append(f'{split}:{method}={path}')
    return runs


def _ssl_groups(markdown):
    """{title word: {method: cells}} of the two tables."""
    groups, current = {}, None
    for line in markdown.splitlines():
        if line.startswith('**'):
            current = groups.setdefault(line.strip('*').split(':')[0], {})
        elif line.startswith('|') and current is not None:
            cells = [c.strip() for c in line.strip('|').split('|')]
            current[cells[1]] = cells[2:]
    return groups


def test_ssl_tables_final_and_best_with_paper_numbers(tool, ssl_runs):
    runs = tool.collect_runs(ssl_runs)
    splits = [run.model for run in runs]
    for run in runs:
        run.model = tool.SSL_MODEL
    markdown, csv_text, warnings = tool.summarize_ssl(
        runs, splits, 'mIoU', tool.BUILTIN_SSL_PAPER_NUMBERS)
    groups = _ssl_groups(markdown)
    assert list(groups) == ['Final iteration', 'Best validation']
    final, best = groups['Final iteration'], groups['Best validation']
    # rows in Table 12's order, columns the splits in ascending order
    assert list(final) == ['method', '---', 'Supervised', 'AugSeg',
                           'JML-SSL']
    assert final['method'] == ['92', '183', '1464']
    # mean ± sample std over seeds; the paper's best-epoch numbers only
    # beside the best validation, Supervised 1464 (its final epoch) only
    # beside the final iteration; a missing (split, method) is —
    assert final['JML-SSL'] == ['71.00 ± 1.41', '—', '—']
    assert best['JML-SSL'] == ['76.50 ± 0.71 (paper 76.43)',
                               '— (paper 78.47)', '— (paper 82.27)']
    assert final['AugSeg'] == ['65.00 ± 1.41', '71.00 (1/2 runs)', '—']
    assert best['AugSeg'] == ['71.00 ± 0.00 (paper 71.09)',
                              '75.50 (1/2 runs) (paper 75.45)',
                              '— (paper 81.36)']
    assert final['Supervised'] == ['—', '—', '74.50 (paper 74.97)']
    assert best['Supervised'] == ['— (paper 43.92)', '— (paper 59.10)',
                                  '75.00']
    assert 'except Supervised 1464' in markdown
    assert sum('no validation mIoU logged' in w for w in warnings) == 1
    parsed = {(r['selection'], r['method']): r
              for r in csv.DictReader(io.StringIO(csv_text))}
    assert parsed['best', 'JML-SSL']['92'] == '76.5'
    assert parsed['best', 'JML-SSL']['92_paper'] == '76.43'
    assert parsed['final', 'JML-SSL']['92_paper'] == ''
    assert parsed['final', 'AugSeg']['183_n'] == '1'
    assert parsed['final', 'JML-SSL']['183'] == ''


def test_ssl_tables_without_paper_numbers_and_other_models(tool):
    runs = [tool.Run('MNI152 UNet', 'JML-SSL', '/x/a', {'mIoU': 80.0}),
            tool.Run('MNI152 UNet', 'Supervised', '/x/b', {'mIoU': 60.0})]
    markdown, _ = tool.to_ssl_tables(runs, ['1of8', '1of8'], [81.0, None],
                                     'mIoU', tool.BUILTIN_SSL_PAPER_NUMBERS)
    groups = _ssl_groups(markdown)
    assert groups['Final iteration']['Supervised'] == ['60.00']
    assert groups['Best validation']['JML-SSL'] == ['81.00']
    assert groups['Best validation']['Supervised'] == ['— (0/1 runs)']
    assert 'paper' not in markdown
    with pytest.raises(ValueError, match='expected one split and one best'):
        tool.to_ssl_tables(runs, ['1of8'], [81.0, None])


def test_builtin_ssl_paper_numbers_are_table_12(tool):
    paper = tool.BUILTIN_SSL_PAPER_NUMBERS
    splits = ('92', '183', '366', '732', '1464')
    rows = {method: [paper[tool.SSL_MODEL, method, s][0] for s in splits]
            for method in ('Supervised', 'AugSeg', 'JML-SSL')}
    assert rows == {
        'Supervised': [43.92, 59.10, 65.88, 70.87, 74.97],
        'AugSeg': [71.09, 75.45, 78.80, 80.37, 81.36],
        'JML-SSL': [76.43, 78.47, 79.16, 81.21, 82.27],
    }
    ablation = [[paper[tool.SSL_MODEL, m, s][0] for s in ('92', '183')]
                for m in tool.SSL_METHODS]
    assert ablation == [[43.92, 59.10], [71.09, 75.45], [72.89, 76.20],
                        [74.74, 77.74], [76.43, 78.47]]
    finals = [k for k, (_, sel) in paper.items() if sel == 'final']
    assert finals == [(tool.SSL_MODEL, 'Supervised', '1464')]


def test_command_line_ssl_layout(repo_root, ssl_runs, tmp_path):
    out_csv = tmp_path / 'table12.csv'
    proc = subprocess.run(
        [sys.executable, 'tools/summarize_results.py', '--layout', 'ssl',
         '--runs', *ssl_runs, '--metrics', 'mIoU', '--model',
         'VOC DL3+-R101 (AugSeg)', '--paper-numbers', 'builtin',
         '--out-csv', str(out_csv)],
        cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    best = _ssl_groups(proc.stdout)['Best validation']
    assert best['JML-SSL'][0] == '76.50 ± 0.71 (paper 76.43)'
    assert 'no validation mIoU logged' in proc.stderr
    assert out_csv.read_text().startswith('selection,model,method,92,')
    proc = subprocess.run(
        [sys.executable, 'tools/summarize_results.py', '--layout', 'ssl',
         '--runs', *ssl_runs, '--paper-numbers', 'mine.csv'],
        cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert 'expected --paper-numbers builtin with --layout ssl' in \
        proc.stderr
