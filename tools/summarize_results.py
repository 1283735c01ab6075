"""Summarize test metrics of several runs (methods x seeds) as the paper does.

Every run is a work dir of ``tools/test.py``; its metrics are read from the
newest ``<work_dir>/<timestamp>/<timestamp>.json`` (the file MMEngine writes
after testing, e.g. ``{"aAcc": 97.75, "mIoU": 91.09, "ECE": 3.2, ...}``).
When a newer ``<timestamp>`` run of the work dir left no such file (a test
that never finished, or a later training), the older numbers are still
reported but with a warning that names the newer run; an unreadable json
(e.g. truncated) is skipped with a warning instead of aborting the table.

Runs are given in one of two ways (both may be combined)::

    # explicit: [MODEL:]METHOD=WORK_DIR, repeat a method for its seeds
    python tools/summarize_results.py \\
        --runs CE=work_dirs/ce_s0 CE=work_dirs/ce_s1 JML=work_dirs/jml_s0

    # a tree ROOT/<model>/<method>/<seed>/ (or ROOT/<method>/<seed>/ with
    # --model NAME); every sub-directory of a method is one run
    python tools/summarize_results.py --root work_dirs/paper \\
        --metrics mIoU ECE BECE --out-md results.md --out-csv results.csv

Layouts (``--layout``):

* ``paper`` (default): rows (model, metric), columns the methods CE, CE-BLS,
  CE-KD, JML, JML-BLS, JML-KD, then any other method label in the order
  first seen.
* ``by_method``: rows (model, method), columns the metrics (the demo's
  table).
* ``ssl``: the paper's Table 12, rows the methods, columns the numbers of
  labelled images, in two groups: *final iteration* (the test json of the
  last checkpoint, as above) and *best validation* (the highest
  ``teacher/mIoU``, or ``mIoU`` for a supervised run, of the validations
  logged during training in ``<timestamp>/vis_data/scalars.json``: the
  checkpoint ``save_best`` keeps). Give the runs as
  ``SPLIT:METHOD=WORK_DIR`` (``92:AugSeg=work_dirs/augseg_92_s0``); with
  ``--paper-numbers builtin`` and ``--model 'VOC DL3+-R101 (AugSeg)'`` the
  paper's Table 12 numbers stand beside ours, each in the group of how it
  was selected (:data:`BUILTIN_SSL_PAPER_NUMBERS`).

Cells are ``mean ± std`` over the runs of a (model, method), with the sample
standard deviation (``ddof=1``); a single run shows its value alone (no
``±``); when some runs of a cell lack the metric, ``(k/n runs)`` follows.
A cell without any run is ``—``, never 0. With ``--paper-numbers`` a cell
becomes ``ours (paper X)``. The CSV has the same rows, with numeric columns
``<col>``, ``<col>_std``, ``<col>_n`` and ``<col>_paper`` for every column.
"""
import argparse
import csv
import io
import json
import math
import os
import os.path as osp
import re
import statistics
import sys
from dataclasses import dataclass, field
from typing import (Dict, Iterable, List, Literal, Mapping, Optional,
                    Sequence, Tuple)

__all__ = [
    'PAPER_METHODS', 'BUILTIN_PAPER_NUMBERS', 'BUILTIN_PAPER_FOLD_NUMBERS',
    'BUILTIN_SSL_PAPER_NUMBERS', 'SSL_METHODS', 'SSL_MODEL',
    'bls_grid_position', 'to_eps_grid', 'to_fold_tables', 'to_ssl_tables',
    'BestValidation', 'best_validation', 'summarize_ssl', 'Run', 'RunState',
    'Cell', 'inspect_run', 'run_warnings', 'find_metrics_json',
    'load_run_metrics', 'parse_run_spec',
    'collect_runs', 'summarize', 'load_paper_numbers', 'to_markdown',
    'to_csv', 'main'
]

#: The method columns of the paper, in its order.
PAPER_METHODS: Tuple[str, ...] = ('CE', 'CE-BLS', 'CE-KD', 'JML', 'JML-BLS',
                                  'JML-KD')
#: The placeholder of a cell without any run.
MISSING = '—'
DEFAULT_METRICS: Tuple[str, ...] = ('mIoU', 'ECE', 'BECE')
DEFAULT_MODEL = 'model'

_TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')

#: (model, metric, method) -> the paper's number (Table 4 of the paper, see
#: ``shared/paper/known-numbers.md``); ``--paper-numbers builtin``. Name the
#: models of your runs like these keys for the numbers to show.
BUILTIN_PAPER_NUMBERS: Dict[Tuple[str, str, str], float] = {
    ('Cityscapes DL3-R18', 'mIoU', 'CE'): 72.88,
    ('Cityscapes DL3-R18', 'mIoU', 'JML-KD'): 78.14,
    ('Cityscapes DL3-MB2', 'mIoU', 'CE'): 72.19,
    ('Cityscapes DL3-MB2', 'mIoU', 'JML-KD'): 77.78,
    ('Cityscapes PSP-R18', 'mIoU', 'CE'): 72.61,
    ('Cityscapes PSP-R18', 'mIoU', 'JML-KD'): 77.75,
    ('VOC DL3-R18', 'mIoU', 'CE'): 72.47,
    ('VOC DL3-R18', 'mIoU', 'JML-KD'): 76.25,
    ('VOC PSP-R18', 'mIoU', 'CE'): 72.10,
    ('VOC PSP-R18', 'mIoU', 'JML-KD'): 75.36,
    # Table 14, mean of the five folds of BUILTIN_PAPER_FOLD_NUMBERS.
    ('DeepGlobe DL3-R18', 'mIoU', 'CE-KD'): 66.398,
    ('DeepGlobe DL3-R18', 'mIoU', 'JML-KD'): 67.624,
}

#: (model, metric, method) -> the paper's numbers of folds 0-4 (Table 14,
#: ``shared/paper/known-numbers.md``: "KD with DL3-R18", rows CE and JML,
#: read as the CE-KD and JML-KD students).
BUILTIN_PAPER_FOLD_NUMBERS: Dict[Tuple[str, str, str], Tuple[float, ...]] = {
    ('DeepGlobe DL3-R18', 'mIoU', 'CE-KD'): (64.93, 67.47, 66.22, 66.37,
                                            67.00),
    ('DeepGlobe DL3-R18', 'mIoU', 'JML-KD'): (67.20, 67.96, 67.50, 67.62,
                                             67.84),
}

#: The rows of Table 12 (and of its ablation, Appendix I) in the paper's
#: order; the labels ``tools/sweep.py`` gives the ``configs/ssl`` configs.
SSL_METHODS: Tuple[str, ...] = ('Supervised', 'AugSeg',
                                'AugSeg + JML (labelled)',
                                'AugSeg + JML (labelled + unlabelled)',
                                'JML-SSL')
#: The model label of Table 12's runs (``configs/ssl``: AugSeg's
#: DeepLabV3+ ResNet-101 on PASCAL VOC).
SSL_MODEL = 'VOC DL3+-R101 (AugSeg)'

#: How a number of the paper was selected: the best validation epoch, or
#: the final epoch.
Selection = Literal['best', 'final']

#: (model, method, labelled images) -> (the paper's mIoU, its selection).
#: Table 12 of the paper (``shared/paper/known-numbers.md``) and the
#: ablation of its Appendix I (92 and 183 labels: Supervised, AugSeg, + JML
#: labelled, + JML unlabelled, + BLS = JML-SSL). How each number was
#: selected is read from AugSeg's logs (``shared/ssl/AUGSEG-FACTS.md``,
#: section 11): AugSeg's numbers are the teacher's best validation epoch,
#: Supervised's the best validation epoch except 1464 (74.97), the final
#: epoch of AugSeg's SupOnly log (its best is 75.29); JML-SSL and the
#: ablation rows follow AugSeg's protocol (best epoch; inferred, the paper
#: does not say).
BUILTIN_SSL_PAPER_NUMBERS: Dict[Tuple[str, str, str], Tuple[float,
                                                            Selection]] = {
    **{(SSL_MODEL, 'Supervised', split): (value, 'best')
       for split, value in (('92', 43.92), ('183', 59.10), ('366', 65.88),
                            ('732', 70.87))},
    (SSL_MODEL, 'Supervised', '1464'): (74.97, 'final'),
    **{(SSL_MODEL, 'AugSeg', split): (value, 'best')
       for split, value in (('92', 71.09), ('183', 75.45), ('366', 78.80),
                            ('732', 80.37), ('1464', 81.36))},
    (SSL_MODEL, 'AugSeg + JML (labelled)', '92'): (72.89, 'best'),
    (SSL_MODEL, 'AugSeg + JML (labelled)', '183'): (76.20, 'best'),
    (SSL_MODEL, 'AugSeg + JML (labelled + unlabelled)', '92'): (74.74,
                                                                'best'),
    (SSL_MODEL, 'AugSeg + JML (labelled + unlabelled)', '183'): (77.74,
                                                                 'best'),
    **{(SSL_MODEL, 'JML-SSL', split): (value, 'best')
       for split, value in (('92', 76.43), ('183', 78.47), ('366', 79.16),
                            ('732', 81.21), ('1464', 82.27))},
}


@dataclass
class Run:
    """One run: its labels, its work dir, its metrics (None: no test
    metrics found) and the warnings of :func:`inspect_run`."""
    model: str
    method: str
    work_dir: str
    metrics: Optional[Dict[str, float]] = None
    warnings: List[str] = field(default_factory=list)


@dataclass
class Cell:
    """Statistics of one metric over the runs of one (model, method)."""
    values: List[float] = field(default_factory=list)
    num_runs: int = 0  # runs of the (model, method), with or without value
    paper: Optional[float] = None

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> Optional[float]:
        return statistics.fmean(self.values) if self.values else None

    @property
    def std(self) -> Optional[float]:
        """Sample standard deviation (ddof=1); None for fewer than 2 runs."""
        return statistics.stdev(self.values) if self.n >= 2 else None


@dataclass
class RunState:
    """What a work dir holds: the metrics to report and how much to trust
    them.

    Attributes:
        metrics: The numbers of the newest readable test metrics json, or
            None when the work dir has none.
        json_path: The file ``metrics`` came from, or None.
        finished: True only when that json belongs to the newest
            ``<timestamp>`` run of the work dir: a newer run without test
            metrics (a test that never finished or failed, or a later
            training) makes the reported numbers stale.
        warnings: Human-readable notes: stale results (naming the newer
            runs) and unreadable json files that were skipped.
    """
    metrics: Optional[Dict[str, float]] = None
    json_path: Optional[str] = None
    finished: bool = False
    warnings: List[str] = field(default_factory=list)


def _timestamp_dirs(work_dir: str) -> List[str]:
    """The ``<timestamp>`` run directories of a work dir, newest first (the
    work dir itself when it is one)."""
    if not osp.isdir(work_dir):
        return []
    name = osp.basename(osp.normpath(work_dir))
    if _TIMESTAMP.match(name):
        return [work_dir]
    return [
        osp.join(work_dir, sub)
        for sub in sorted(os.listdir(work_dir), reverse=True)
        if _TIMESTAMP.match(sub) and osp.isdir(osp.join(work_dir, sub))
    ]


def _read_metrics_json(path: str) -> Dict[str, float]:
    """The numeric entries of a metrics json.

    Raises:
        ValueError: If the file is not valid JSON (e.g. truncated) or not
            a JSON object.
    """
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as error:
            raise ValueError(f'expected a JSON object of metrics in {path}, '
                             f'got invalid JSON: {error}') from error
    if not isinstance(data, dict):
        raise ValueError(f'expected a JSON object of metrics in {path}, got '
                         f'{type(data).__name__}')
    return {
        k: float(v)
        for k, v in data.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def inspect_run(work_dir: str) -> RunState:
    """Read the test metrics of a work dir and judge whether they are
    current.

    ``tools/test.py`` (MMEngine's ``LoggerHook``) writes
    ``<work_dir>/<timestamp>/<timestamp>.json`` when a test finishes; a
    training run or an unfinished test leaves a ``<timestamp>`` directory
    without it. The newest readable json is reported; every newer run
    directory without one makes it stale (a warning names those runs), and
    an unreadable json (truncated, not an object) is skipped with a warning
    instead of aborting.

    Args:
        work_dir (str): A work dir, or one ``<timestamp>`` directory.

    Returns:
        RunState: The metrics (None if there are none), their file, whether
        they come from the newest run, and the warnings.
    """
    state = RunState()
    newer: List[str] = []
    for run_dir in _timestamp_dirs(work_dir):
        name = osp.basename(osp.normpath(run_dir))
        path = osp.join(run_dir, f'{name}.json')
        if osp.isfile(path):
            try:
                state.metrics = _read_metrics_json(path)
            except (OSError, ValueError) as error:
                state.warnings.append(
                    f'skipped unreadable test results: {error}')
            else:
                state.json_path = path
                break
        newer.append(name)
    if state.metrics is not None and newer:
        state.warnings.append(
            f'stale results in {work_dir}: reporting {state.json_path}, but '
            f'the newer run(s) {", ".join(reversed(newer))} left no readable '
            f'test results (a test that did not finish, or a later training'
            f'); rerun the test')
    state.finished = state.metrics is not None and not newer
    return state


def find_metrics_json(work_dir: str) -> Optional[str]:
    """The newest readable ``<work_dir>/<timestamp>/<timestamp>.json``, or
    None (see :func:`inspect_run` for whether it is current).

    ``work_dir`` may also be a ``<timestamp>`` directory itself.
    """
    return inspect_run(work_dir).json_path


def load_run_metrics(work_dir: str) -> Optional[Dict[str, float]]:
    """The test metrics of a work dir (numbers only), or None if there are
    none; see :func:`inspect_run` for the warnings."""
    return inspect_run(work_dir).metrics


@dataclass
class BestValidation:
    """The best validation score logged while a run trained.

    Attributes:
        value: The highest score (None: no validation logged).
        step: The ``step`` of that validation (the iteration, or the epoch
            with ``log_metric_by_epoch=True``), or None.
        key: The scalar it was read from (``teacher/mIoU`` or ``mIoU``), or
            None.
        warnings: Unreadable lines of ``scalars.json`` and a best
            checkpoint that names another step.
    """
    value: Optional[float] = None
    step: Optional[int] = None
    key: Optional[str] = None
    warnings: List[str] = field(default_factory=list)


_BEST_CKPT = re.compile(
    r'^best_(?P<key>.+)_(?:iter|epoch)_(?P<step>\d+)\.pth$')


def _validation_records(work_dir: str,
                        warnings: List[str]) -> List[Dict[str, float]]:
    """The records of ``<timestamp>/vis_data/scalars.json`` of every run of
    a work dir, oldest run first (a resumed training continues the log of
    the one before); unreadable lines are skipped with a warning."""
    records = []
    for run_dir in reversed(_timestamp_dirs(work_dir)):
        path = osp.join(run_dir, 'vis_data', 'scalars.json')
        if not osp.isfile(path):
            continue
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    record = None
                if not isinstance(record, dict):
                    warnings.append(f'skipped unreadable line {number} of '
                                    f'{path}')
                    continue
                records.append(record)
    return records


def best_validation(work_dir: str, metric: str = 'mIoU') -> BestValidation:
    """The best validation score of a training run, read from the scalars
    MMEngine's ``LoggerHook`` writes after every validation
    (``<work_dir>/<timestamp>/vis_data/scalars.json``, one JSON object a
    line, e.g. ``{"teacher/mIoU": 71.1, "student/mIoU": 70.8, ...,
    "step": 655}``).

    The key is ``teacher/<metric>`` where logged (``TeacherStudentValLoop``,
    the score ``save_best='teacher/mIoU'`` selects), else ``<metric>``
    (a plain ``ValLoop``). The first of equal scores wins, as in
    ``CheckpointHook``'s ``greater`` rule. When the work dir holds a best
    checkpoint of that key (``best_teacher_mIoU_iter_<N>.pth``) from
    another step than the logged best, a warning says so (e.g. the logs of
    an abandoned training in the same work dir).

    Args:
        work_dir (str): The work dir of a training.
        metric (str): The metric name. Defaults to ``'mIoU'``.

    Returns:
        BestValidation: The best score and its step (None when nothing was
        logged), the key and the warnings.
    """
    result = BestValidation()
    records = _validation_records(work_dir, result.warnings)
    for key in (f'teacher/{metric}', metric):
        scores = [(r[key], r.get('step')) for r in records
                  if isinstance(r.get(key), (int, float))
                  and not isinstance(r.get(key), bool)
                  and math.isfinite(r[key])]
        if scores:
            break
    else:
        return result
    value, step = max(scores, key=lambda score: score[0])
    result.value, result.key = float(value), key
    result.step = step if isinstance(step, int) else None
    stem = key.replace('/', '_')
    for name in sorted(os.listdir(work_dir)):
        match = _BEST_CKPT.match(name)
        if (match is not None and match['key'] == stem and result.step
                and int(match['step']) != result.step):
            result.warnings.append(
                f'{osp.join(work_dir, name)} is from step {match["step"]}, '
                f'but the best logged {key} ({result.value:g}) is at step '
                f'{result.step}; are there logs of another training in '
                f'{work_dir}?')
    return result


def parse_run_spec(spec: str,
                   default_model: str = DEFAULT_MODEL) -> Tuple[str, str, str]:
    """Parse ``[MODEL:]METHOD=WORK_DIR`` into ``(model, method, work_dir)``."""
    label, sep, work_dir = spec.partition('=')
    if not sep or not label or not work_dir:
        raise ValueError(
            f'expected a run as [MODEL:]METHOD=WORK_DIR, got {spec!r}')
    model, sep, method = label.rpartition(':')
    if not sep:
        model = default_model
    if not model or not method:
        raise ValueError(
            f'expected a run as [MODEL:]METHOD=WORK_DIR, got {spec!r}')
    return model, method, work_dir


def _subdirs(path: str) -> List[str]:
    return sorted(d for d in os.listdir(path)
                  if osp.isdir(osp.join(path, d)) and not d.startswith('.'))


def collect_runs(specs: Sequence[str] = (),
                 root: Optional[str] = None,
                 model: Optional[str] = None) -> List[Run]:
    """Find the runs and read their metrics.

    Args:
        specs (Sequence[str]): Runs as ``[MODEL:]METHOD=WORK_DIR``; a
            method given several times has several runs (seeds). Without
            ``MODEL:`` the model is ``model`` (or ``'model'``).
        root (str, optional): A tree ``root/<model>/<method>/<run>/``, or
            ``root/<method>/<run>/`` when ``model`` is given. Every
            sub-directory of a method directory is a run.
        model (str, optional): Model label of the runs without one.

    Returns:
        list[Run]: The runs, with ``metrics=None`` where no test metrics
        were found (they count as missing runs), and the warnings of
        :func:`inspect_run` (stale or unreadable results).
    """
    default_model = model if model is not None else DEFAULT_MODEL
    found: List[Tuple[str, str, str]] = [
        parse_run_spec(s, default_model) for s in specs
    ]
    if root is not None:
        if not osp.isdir(root):
            raise ValueError(f'expected --root to be a directory, got {root}')
        models = [(model, root)] if model is not None else [
            (m, osp.join(root, m)) for m in _subdirs(root)
        ]
        for model_name, model_dir in models:
            for method in _subdirs(model_dir):
                method_dir = osp.join(model_dir, method)
                for run in _subdirs(method_dir):
                    found.append(
                        (model_name, method, osp.join(method_dir, run)))
    runs = []
    for model_name, method, work_dir in found:
        state = inspect_run(work_dir)
        runs.append(
            Run(model_name, method, work_dir, state.metrics,
                state.warnings))
    return runs


def _metric_value(metrics: Mapping[str, float], name: str) -> Optional[float]:
    """``metrics[name]``, or the value of ``<prefix>/<name>``; None if it is
    missing or not finite."""
    value = metrics.get(name)
    if value is None:
        matches = [v for k, v in metrics.items() if k.endswith('/' + name)]
        value = matches[0] if len(matches) == 1 else None
    if value is None or not math.isfinite(value):
        return None
    return value


def summarize(
    runs: Iterable[Run],
    metrics: Sequence[str] = DEFAULT_METRICS,
    paper_numbers: Optional[Mapping[Tuple[str, str, str], float]] = None
) -> Dict[Tuple[str, str, str], Cell]:
    """Group the runs into cells.

    Args:
        runs (Iterable[Run]): From :func:`collect_runs`.
        metrics (Sequence[str]): Metric keys of the json (``mIoU``,
            ``ECE``, ...); a key ``<prefix>/<name>`` matches ``name``.
        paper_numbers (Mapping, optional): ``(model, metric, method)`` ->
            the paper's number.

    Returns:
        dict: ``(model, metric, method)`` -> :class:`Cell`, for every model
        and method that has a run, and the paper numbers of those models.
    """
    cells: Dict[Tuple[str, str, str], Cell] = {}
    runs = list(runs)
    for run in runs:
        for metric in metrics:
            cell = cells.setdefault((run.model, metric, run.method), Cell())
            cell.num_runs += 1
            value = None if run.metrics is None else _metric_value(
                run.metrics, metric)
            if value is not None:
                cell.values.append(value)
    models = {run.model for run in runs}
    for key, value in (paper_numbers or {}).items():
        if key[0] in models and key[1] in metrics:
            cells.setdefault(key, Cell()).paper = float(value)
    return cells


def load_paper_numbers(
        path: str) -> Dict[Tuple[str, str, str], float]:
    """Read the paper's numbers: ``builtin`` (:data:`BUILTIN_PAPER_NUMBERS`),
    a CSV with the columns ``model,metric,method,value``, or a JSON list of
    objects with those keys."""
    if path == 'builtin':
        return dict(BUILTIN_PAPER_NUMBERS)
    with open(path, newline='') as f:
        if path.endswith('.json'):
            rows = json.load(f)
        else:
            rows = list(csv.DictReader(f))
    numbers = {}
    for row in rows:
        try:
            key = (str(row['model']), str(row['metric']), str(row['method']))
            numbers[key] = float(row['value'])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f'expected rows with model, metric, method and '
                             f'a numeric value in {path}, got {row!r}') \
                from error
    return numbers


def _ordered(items: Iterable[str], first: Sequence[str] = ()) -> List[str]:
    seen = list(dict.fromkeys(items))
    return [x for x in first] + [x for x in seen if x not in first]


def _format_cell(cell: Optional[Cell], decimals: int) -> str:
    if cell is None or cell.num_runs == 0:
        text = MISSING
    elif cell.n == 0:
        text = f'{MISSING} (0/{cell.num_runs} runs)'
    else:
        text = f'{cell.mean:.{decimals}f}'
        if cell.std is not None:
            text += f' ± {cell.std:.{decimals}f}'
        if cell.n < cell.num_runs:
            text += f' ({cell.n}/{cell.num_runs} runs)'
    if cell is not None and cell.paper is not None:
        text += f' (paper {cell.paper:.{decimals}f})'
    return text


def _table(cells: Mapping[Tuple[str, str, str], Cell],
           layout: Literal['paper', 'by_method'],
           methods: Optional[Sequence[str]], metrics: Optional[Sequence[str]]
           ) -> Tuple[List[str], List[Tuple[str, str]], List[str],
                      Dict[Tuple[Tuple[str, str], str], Cell]]:
    """Header of the row labels, row labels, columns and the cell of each
    (row, column)."""
    if layout not in ('paper', 'by_method'):
        raise ValueError(f"expected layout 'paper' or 'by_method', got "
                         f'{layout!r}')
    models = _ordered(k[0] for k in cells)
    metric_names = list(metrics) if metrics is not None else _ordered(
        k[1] for k in cells)
    if methods is None:
        seen = _ordered(k[2] for k in cells)
        methods = (_ordered(seen, PAPER_METHODS)
                   if layout == 'paper' else seen)
    grid = {}
    if layout == 'paper':
        rows = [(m, x) for m in models for x in metric_names]
        for (model, metric, method), cell in cells.items():
            grid[((model, metric), method)] = cell
        return ['model', 'metric'], rows, list(methods), grid
    rows = [(m, meth) for m in models for meth in methods
            if any(k[0] == m and k[2] == meth for k in cells)]
    for (model, metric, method), cell in cells.items():
        grid[((model, method), metric)] = cell
    return ['model', 'method'], rows, metric_names, grid


def to_markdown(cells: Mapping[Tuple[str, str, str], Cell],
                layout: Literal['paper', 'by_method'] = 'paper',
                methods: Optional[Sequence[str]] = None,
                metrics: Optional[Sequence[str]] = None,
                decimals: int = 2) -> str:
    """A Markdown table of :func:`summarize`'s cells (see the module doc for
    the layouts and the cell format)."""
    header, rows, columns, grid = _table(cells, layout, methods, metrics)
    lines = [
        '| ' + ' | '.join(header + list(columns)) + ' |',
        '|' + '---|' * (len(header) + len(columns))
    ]
    for row in rows:
        texts = [_format_cell(grid.get((row, c)), decimals) for c in columns]
        lines.append('| ' + ' | '.join(list(row) + texts) + ' |')
    lines.append('')
    lines.append('Cells: mean ± sample std (ddof=1) over runs; a value '
                 f'without ± is a single run; {MISSING}: no run.')
    return '\n'.join(lines) + '\n'


def to_csv(cells: Mapping[Tuple[str, str, str], Cell],
           layout: Literal['paper', 'by_method'] = 'paper',
           methods: Optional[Sequence[str]] = None,
           metrics: Optional[Sequence[str]] = None) -> str:
    """The table as CSV: per column ``<col>`` (mean), ``<col>_std``,
    ``<col>_n`` (runs with a value) and ``<col>_paper``; empty where
    missing."""
    header, rows, columns, grid = _table(cells, layout, methods, metrics)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(header + [
        f'{c}{s}' for c in columns for s in ('', '_std', '_n', '_paper')
    ])

    def fmt(x: Optional[float]) -> str:
        return '' if x is None else repr(float(x))

    for row in rows:
        values = list(row)
        for c in columns:
            cell = grid.get((row, c))
            if cell is None:
                values += ['', '', '0', '']
            else:
                values += [
                    fmt(cell.mean),
                    fmt(cell.std),
                    str(cell.n),
                    fmt(cell.paper)
                ]
        writer.writerow(values)
    return out.getvalue()


_BLS_METHOD = re.compile(
    r'^(?P<loss>[A-Z0-9]+)-(?P<kind>BLS|LS)(?:-K(?P<k>\d+))?'
    r'(?:-E(?P<eps>\d+))?$')


def bls_grid_position(method: str) -> Optional[Tuple[str, str, float]]:
    """``(loss, kernel, epsilon)`` of a label-smoothing method label, or None.

    ``JML-BLS`` is kernel 3, ε 0.5 (the main runs); ``-K<k>`` sets the
    kernel, ``-E<d><d...>`` the ε (``E01`` = 0.1, ``E05`` = 0.5); ``-LS``
    (every pixel smoothed) has the kernel ``all``.
    """
    match = _BLS_METHOD.match(method)
    if match is None:
        return None
    if match['kind'] == 'LS':
        kernel = 'all'
    else:
        kernel = f'k={match["k"] or 3}'
    eps = match['eps']
    epsilon = 0.5 if eps is None else float(f'{eps[0]}.{eps[1:] or 0}')
    return match['loss'], kernel, epsilon


def to_eps_grid(cells: Mapping[Tuple[str, str, str], Cell],
                metric: str = 'mIoU',
                decimals: int = 2) -> Tuple[str, str]:
    """Figures 4 and 5 as tables: rows (model, loss, kernel), columns ε,
    cells ``mean ± std`` of ``metric``; the best ε of each row (highest
    mean, or lowest for calibration errors, metrics containing ``ECE``) is
    in bold and named in the last column.

    Args:
        cells: From :func:`summarize`.
        metric: The metric of the grid.
        decimals: Decimals of the Markdown cells.

    Returns:
        tuple[str, str]: Markdown and CSV (``<eps>``, ``<eps>_std``,
        ``<eps>_n`` per ε, then ``best_eps``). Methods outside the grid are
        listed below the Markdown table.
    """
    lower_is_better = 'ECE' in metric
    grid: Dict[Tuple[str, str, str], Dict[float, Cell]] = {}
    others = []
    for (model, name, method), cell in cells.items():
        if name != metric:
            continue
        position = bls_grid_position(method)
        if position is None:
            others.append((model, method, cell))
            continue
        loss, kernel, eps = position
        grid.setdefault((model, loss, kernel), {})[eps] = cell
    columns = sorted({eps for row in grid.values() for eps in row})

    def kernel_key(row):
        kernel = row[2]
        return (row[0], row[1], kernel == 'all',
                int(kernel[2:]) if kernel != 'all' else 0)

    rows = sorted(grid, key=kernel_key)
    best = {}
    for row in rows:
        means = {e: c.mean for e, c in grid[row].items() if c.mean is not None}
        if means:
            pick = min if lower_is_better else max
            best[row] = pick(means, key=means.get)
    lines = [
        '| model | loss | kernel | ' + ' | '.join(f'ε={e:g}' for e in columns)
        + ' | best ε |', '|' + '---|' * (len(columns) + 4)
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['model', 'loss', 'kernel'] + [
        f'{e:g}{s}' for e in columns for s in ('', '_std', '_n')
    ] + ['best_eps'])
    for row in rows:
        texts, values = [], list(row)
        for eps in columns:
            cell = grid[row].get(eps)
            text = _format_cell(cell, decimals)
            texts.append(f'**{text}**' if best.get(row) == eps else text)
            values += ['', '', '0'] if cell is None else [
                '' if cell.mean is None else repr(cell.mean),
                '' if cell.std is None else repr(cell.std),
                str(cell.n)
            ]
        chosen = f'{best[row]:g}' if row in best else MISSING
        lines.append('| ' + ' | '.join(list(row) + texts + [chosen]) + ' |')
        writer.writerow(values + ['' if row not in best else best[row]])
    lines.append('')
    lines.append(f'Cells: {metric}, mean ± sample std (ddof=1) over runs; '
                 f'bold: the best ε of the row; {MISSING}: no run.')
    for model, method, cell in others:
        lines.append(f'- not in the grid: {model} {method}: '
                     f'{_format_cell(cell, decimals)}')
    return '\n'.join(lines) + '\n', out.getvalue()


def to_fold_tables(
    runs: Sequence[Run],
    folds: Sequence[Optional[int]],
    metric: str = 'mIoU',
    paper_folds: Optional[Mapping[Tuple[str, str, str],
                                  Sequence[float]]] = None,
    decimals: int = 2
) -> Tuple[str, str]:
    """Table 14's layout: rows (model, method), one column per fold and the
    mean ± sample std over folds, the paper's numbers beside ours.

    Args:
        runs: From :func:`collect_runs`.
        folds: The fold of each run (same order).
        metric: The metric of the table.
        paper_folds: ``(model, metric, method)`` -> the paper's number of
            every fold (fold k at index k).
        decimals: Decimals of the Markdown cells.

    Returns:
        tuple[str, str]: Markdown and CSV (``fold<k>``, ``fold<k>_paper``,
        then ``mean``, ``std``, ``n``, ``paper_mean``, ``paper_std``).
    """
    if len(runs) != len(folds):
        raise ValueError(f'expected one fold per run, got {len(folds)} '
                         f'folds for {len(runs)} runs')
    if any(fold is None for fold in folds):
        raise ValueError('expected a fold for every run, got None')
    table: Dict[Tuple[str, str], Dict[int, List[float]]] = {}
    for run, fold in zip(runs, folds):
        values = table.setdefault((run.model, run.method), {})
        value = None if run.metrics is None else _metric_value(
            run.metrics, metric)
        values.setdefault(fold, [])
        if value is not None:
            values[fold].append(value)
    columns = sorted({f for row in table.values() for f in row})

    def number(x: Optional[float]) -> str:
        return MISSING if x is None else f'{x:.{decimals}f}'

    lines = [
        '| model | method | ' + ' | '.join(f'fold {f}' for f in columns) +
        ' | mean ± std |', '|' + '---|' * (len(columns) + 3)
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['model', 'method'] + [
        f'fold{f}{s}' for f in columns for s in ('', '_paper')
    ] + ['mean', 'std', 'n', 'paper_mean', 'paper_std'])
    for (model, method), values in table.items():
        paper = (paper_folds or {}).get((model, metric, method))
        texts, row = [], [model, method]
        means = []
        for fold in columns:
            vals = values.get(fold, [])
            mean = statistics.fmean(vals) if vals else None
            if mean is not None:
                means.append(mean)
            ref = paper[fold] if paper and fold < len(paper) else None
            text = number(mean)
            if ref is not None:
                text += f' (paper {ref:.{decimals}f})'
            texts.append(text)
            row += ['' if mean is None else repr(mean),
                    '' if ref is None else repr(ref)]
        cell = Cell(values=means, num_runs=len(columns))
        total = _format_cell(cell, decimals)
        paper_mean = paper_std = None
        if paper:
            paper_mean = statistics.fmean(paper)
            paper_std = statistics.stdev(paper) if len(paper) > 1 else None
            total += f' (paper {paper_mean:.{decimals}f}'
            if paper_std is not None:
                total += f' ± {paper_std:.{decimals}f}'
            total += ')'
        lines.append('| ' + ' | '.join([model, method] + texts + [total]) +
                     ' |')
        row += [
            '' if cell.mean is None else repr(cell.mean),
            '' if cell.std is None else repr(cell.std),
            str(cell.n), '' if paper_mean is None else repr(paper_mean),
            '' if paper_std is None else repr(paper_std)
        ]
        writer.writerow(row)
    lines.append('')
    lines.append(f'Cells: {metric} per fold; last column: mean ± sample std '
                 f'(ddof=1) over folds; {MISSING}: no run.')
    return '\n'.join(lines) + '\n', out.getvalue()


def _split_key(split: str) -> Tuple[int, float, str]:
    """Numbers of labelled images in ascending order (``92`` < ``1464``;
    ``1of8`` as the fraction 1/8), other labels last."""
    if split.isdigit():
        return 0, float(split), split
    match = re.match(r'^(\d+)of(\d+)$', split)
    if match is not None and int(match[2]) > 0:
        return 0, int(match[1]) / int(match[2]), split
    return 1, 0.0, split


#: The row groups of :func:`to_ssl_tables`: (CSV label, Markdown title).
SSL_GROUPS: Tuple[Tuple[Selection, str], ...] = (
    ('final', 'Final iteration: the test of the last checkpoint (the '
     'teacher of a semi-supervised run)'),
    ('best', 'Best validation: the highest teacher/mIoU (mIoU of a '
     'supervised run) of the validations during training, the checkpoint '
     'save_best keeps'),
)


def to_ssl_tables(
    runs: Sequence[Run],
    splits: Sequence[str],
    best: Sequence[Optional[float]],
    metric: str = 'mIoU',
    paper: Optional[Mapping[Tuple[str, str, str],
                            Tuple[float, Selection]]] = None,
    decimals: int = 2
) -> Tuple[str, str]:
    """Table 12's layout: rows the methods, columns the numbers of labelled
    images, cells ``mean ± std`` over seeds; one group of rows for the
    final iteration (``metric`` of each run's test json) and one for the
    best validation (``best``, from :func:`best_validation`). A paper
    number stands beside ours in the group of its selection.

    Args:
        runs: From :func:`collect_runs`.
        splits: The number of labelled images of each run (same order),
            e.g. ``'92'``.
        best: The best validation score of each run (same order), or None.
        metric: The metric of the final-iteration group.
        paper: ``(model, method, split)`` -> (the paper's number,
            ``'best'`` or ``'final'``).
        decimals: Decimals of the Markdown cells.

    Returns:
        tuple[str, str]: Markdown (a table per group) and CSV (columns
        ``selection``, ``model``, ``method``, then ``<split>``,
        ``<split>_std``, ``<split>_n``, ``<split>_paper`` per split).

    Raises:
        ValueError: If ``splits`` or ``best`` is not one entry per run.
    """
    runs = list(runs)
    if len(splits) != len(runs) or len(best) != len(runs):
        raise ValueError(f'expected one split and one best score per run, '
                         f'got {len(splits)} splits and {len(best)} scores '
                         f'for {len(runs)} runs')
    cells: Dict[Tuple[str, str, str, str], Cell] = {}
    for run, split, best_value in zip(runs, splits, best):
        final_value = None if run.metrics is None else _metric_value(
            run.metrics, metric)
        for selection, value in (('final', final_value),
                                 ('best', best_value)):
            cell = cells.setdefault(
                (selection, run.model, run.method, split), Cell())
            cell.num_runs += 1
            if value is not None and math.isfinite(value):
                cell.values.append(value)
    models = _ordered(run.model for run in runs)
    methods = [m for m in _ordered((r.method for r in runs), SSL_METHODS)
               if any(r.method == m for r in runs)]
    columns = sorted(set(splits), key=_split_key)
    rows = [(model, method) for model in models for method in methods
            if any(r.model == model and r.method == method for r in runs)]
    placed = False
    for (model, method, split), (value, selection) in (paper or {}).items():
        if (model, method) in rows and split in columns:
            cells.setdefault((selection, model, method, split),
                             Cell()).paper = float(value)
            placed = True

    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['selection', 'model', 'method'] + [
        f'{c}{s}' for c in columns for s in ('', '_std', '_n', '_paper')
    ])
    lines: List[str] = []
    for selection, title in SSL_GROUPS:
        lines += [f'**{title}**', '',
                  '| model | method | ' + ' | '.join(columns) + ' |',
                  '|' + '---|' * (len(columns) + 2)]
        for model, method in rows:
            texts, values = [], [selection, model, method]
            for split in columns:
                cell = cells.get((selection, model, method, split))
                texts.append(_format_cell(cell, decimals))
                values += ['', '', '0', ''] if cell is None else [
                    '' if cell.mean is None else repr(cell.mean),
                    '' if cell.std is None else repr(cell.std),
                    str(cell.n),
                    '' if cell.paper is None else repr(cell.paper)
                ]
            lines.append('| ' + ' | '.join([model, method] + texts) + ' |')
            writer.writerow(values)
        lines.append('')
    lines.append(
        f'Cells: {metric}, mean ± sample std (ddof=1) over seeds; a value '
        f'without ± is a single run; {MISSING}: no run.')
    if placed:
        finals = [f'{method} {split}'
                  for (model, method, split), (_, selection) in paper.items()
                  if selection == 'final' and (model, method) in rows
                  and split in columns]
        lines[-1] += (
            " (paper X): the paper's number, in the group of how it was "
            'selected: AugSeg publishes the best validation epoch of the '
            'teacher, and by its protocol so do the other rows')
        lines[-1] += (f', except {", ".join(finals)} (the final epoch of '
                      f"AugSeg's log)." if finals else '.')
    return '\n'.join(lines) + '\n', out.getvalue()


def summarize_ssl(
    runs: Sequence[Run],
    splits: Sequence[str],
    metric: str = 'mIoU',
    paper: Optional[Mapping[Tuple[str, str, str],
                            Tuple[float, Selection]]] = None,
    decimals: int = 2
) -> Tuple[str, str, List[str]]:
    """Table 12 of the runs: :func:`to_ssl_tables` with the best validation
    score of every run read by :func:`best_validation`.

    Args:
        runs: From :func:`collect_runs`.
        splits: The number of labelled images of each run (same order).
        metric: The metric of both groups. Defaults to ``'mIoU'``.
        paper: ``(model, method, split)`` -> (the paper's number, its
            selection), e.g. :data:`BUILTIN_SSL_PAPER_NUMBERS`.
        decimals: Decimals of the Markdown cells. Defaults to 2.

    Returns:
        tuple[str, str, list[str]]: Markdown, CSV, and the warnings of the
        logs (runs without a logged validation, unreadable lines, a best
        checkpoint of another step).
    """
    best, warnings = [], []
    for run in runs:
        found = best_validation(run.work_dir, metric)
        best.append(found.value)
        warnings += [f'warning: {text}' for text in found.warnings]
        if found.value is None:
            warnings.append(
                f'warning: no validation {metric} logged (<timestamp>/'
                f'vis_data/scalars.json) in {run.work_dir}; counted as a '
                f'missing run in the best-validation rows')
    return (*to_ssl_tables(runs, splits, best, metric, paper, decimals),
            warnings)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Summarize test metrics of several runs as mean ± std '
        'tables (Markdown and CSV).')
    parser.add_argument(
        '--runs', nargs='+', default=[], metavar='[MODEL:]METHOD=WORK_DIR',
        help='runs; repeat a method for its seeds')
    parser.add_argument(
        '--root', help='a tree ROOT/<model>/<method>/<run>/ '
        '(ROOT/<method>/<run>/ with --model)')
    parser.add_argument('--model', help='model label of runs without one')
    parser.add_argument(
        '--metrics', nargs='+', default=list(DEFAULT_METRICS),
        help='metric keys of the json files (default: %(default)s)')
    parser.add_argument(
        '--methods', nargs='+',
        help='method columns/rows in this order (default: the paper\'s six, '
        'then any other label)')
    parser.add_argument(
        '--layout', choices=('paper', 'by_method', 'ssl'), default='paper',
        help='ssl: Table 12, runs as SPLIT:METHOD=WORK_DIR (or ROOT/<split>/'
        '<method>/<run>/), --model names their model, the first metric is '
        'reported')
    parser.add_argument(
        '--paper-numbers', metavar='FILE|builtin',
        help='CSV/JSON of model,metric,method,value, or "builtin" (the only '
        'choice of --layout ssl)')
    parser.add_argument('--decimals', type=int, default=2)
    parser.add_argument('--out-md', help='write the Markdown table here')
    parser.add_argument('--out-csv', help='write the CSV table here')
    args = parser.parse_args(argv)
    if not args.runs and not args.root:
        parser.error('expected --runs or --root, got neither')
    if args.layout == 'ssl' and args.paper_numbers not in (None, 'builtin'):
        parser.error(f'expected --paper-numbers builtin with --layout ssl, '
                     f'got {args.paper_numbers}')
    return args


def run_warnings(runs: Iterable[Run]) -> List[str]:
    """One line per problem of the runs: missing, stale or unreadable test
    results."""
    lines = []
    for run in runs:
        lines += [f'warning: {text}' for text in run.warnings]
        if run.metrics is None:
            lines.append(f'warning: no test metrics (<timestamp>/'
                         f'<timestamp>.json) in {run.work_dir}; counted as a '
                         f'missing run')
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if args.layout == 'ssl':
        # The MODEL: part of a run (the first level of --root) is its split.
        runs = collect_runs(args.runs, args.root)
        splits = [run.model for run in runs]
        for run in runs:
            run.model = args.model or DEFAULT_MODEL
        paper = BUILTIN_SSL_PAPER_NUMBERS if args.paper_numbers else None
        markdown, csv_text, warnings = summarize_ssl(
            runs, splits, args.metrics[0], paper, args.decimals)
        for line in run_warnings(runs) + warnings:
            print(line, file=sys.stderr)
    else:
        runs = collect_runs(args.runs, args.root, args.model)
        for line in run_warnings(runs):
            print(line, file=sys.stderr)
        paper = load_paper_numbers(args.paper_numbers) \
            if args.paper_numbers else None
        cells = summarize(runs, args.metrics, paper)
        markdown = to_markdown(cells, args.layout, args.methods,
                               args.metrics, args.decimals)
        csv_text = to_csv(cells, args.layout, args.methods, args.metrics)
    print(markdown, end='')
    for path, text in ((args.out_md, markdown), (args.out_csv, csv_text)):
        if path:
            os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
            with open(path, 'w', newline='') as f:
                f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
