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
