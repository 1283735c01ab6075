"""Run a list of configs x seeds (or folds), teachers before their students,
skip finished runs, summarise the results.

Usage::

    python tools/sweep.py CONFIG_OR_LIST [...] --seeds 0 1 2 \\
        [--folds 0 1 2 3 4] [--work-root work_dirs/sweep]
        [--launcher local|dist|slurm] [--gpus N] [--gpus-per-node N]
        [--partition P] [--dry-run] [--metrics mIoU ECE ...]
        [--layout paper|eps-grid|folds|ssl] [--cfg-options KEY=VALUE ...]
        [--jobs N] [--threads T]

Each argument is a config file or a text file listing configs (one per line,
``#`` comments, e.g. ``configs/tables/table1_cityscapes.txt``); a list file
may set the table layout with a line ``#! layout: eps-grid`` and the folds
with ``#! folds: 0 1 2 3 4`` (the command line wins). Every (config, seed)
trains into ``<work-root>/<config name>/seed<k>`` and is then tested on its
last checkpoint; a run whose newest ``<timestamp>`` directory holds test
metrics is skipped, so an interrupted sweep resumes where it stopped.

With ``--folds`` every config runs once per fold (with the one ``--seeds``
value) into ``<work-root>/<config name>/fold<k>``; the fold is set by the
``--fold-options`` templates (default: DeepGlobe Land's
``splits/fold{fold}_{train,val}.txt`` ``ann_file`` of the train, val and test
dataloaders).

Distillation: a student config (``model.teacher_config``, resolved by
MMEngine's ``Config``, so ``{{fileDirname}}`` paths work) runs after its
teacher, and every student run gets the checkpoint that its teacher's run of
the same seed (fold) writes in this sweep (``--cfg-options
model.teacher_checkpoint=<work-root>/<teacher>/seed<k>/iter_<N>.pth``), so it
never reads a run from outside the sweep. A teacher missing from the list is
added before its first student. A failed run is reported and the sweep goes
on; the students of a failed teacher are reported and skipped; the exit
status is 1 if anything failed or was skipped.

Launchers: ``local`` runs ``tools/train.py`` and ``tools/test.py`` here, one
run after the other, or ``--jobs N`` runs at once (a student starts when its
teacher's run has ended; each run's output goes to ``<work dir>/sweep.log``),
each command with ``--threads T`` CPU threads when given (on a CPU, results
depend on the thread count, not on ``--jobs``). ``dist`` prints the
``tools/dist_*.sh`` commands (one line per run, in order; a student's line
runs only if its teacher's checkpoint exists); ``slurm`` prints ``sbatch
--parsable`` submissions of ``tools/slurm_*.sh`` whose job ids become
``--dependency=afterok:`` of the students (``--kill-on-invalid-dep=yes``: a
failed teacher cancels them).
``--dry-run`` prints the ordered plan (config, seed or fold, work dir,
teacher checkpoint) and the commands, and runs nothing.

Afterwards the table of all finished runs is printed and written to
``<work-root>/results.{md,csv}`` by ``tools/summarize_results.py``, with
warnings for stale or unreadable results. Layouts: ``paper`` (rows (model,
metric), one column per method, mean ± sample std over seeds or folds, the
paper's surviving numbers beside ours), ``eps-grid`` (Figures 4 and 5: rows
(model, BLS kernel), columns ε, mean ± std of the first metric, the best ε
of each row in bold) and ``folds`` (Table 14: rows (model, method), one
column per fold and the mean ± std, with the paper's per-fold numbers) and
``ssl`` (Table 12: rows the methods, columns the numbers of labelled images,
mean ± std over seeds of the final iteration (the test of the last
checkpoint) and of the best validation logged during training (the
teacher's, as AugSeg and the paper report), the paper's numbers beside
ours).

Labels come from the config name
(``<method>_<model parts>_<NxbM>-<iters>_<dataset>-<crop>.py``): the method is
the first part upper-cased (``jml-bls`` -> ``JML-BLS``), the model the parts
up to the schedule (``deeplabv3_r18-d8``; a distillation config names
``<teacher>-to-<student>`` there, and its row is the student's). Table rows
use the paper's short names (``Cityscapes DL3-R18``) where known. In the
``ssl`` layout the method part is ``<method>-<n>labeled``
(``jml-ssl-92labeled`` -> row ``JML-SSL``, column ``92``; ``1of8labeled`` ->
``1of8``).
"""
import argparse
import functools
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from collections import Counter
from concurrent.futures import (FIRST_COMPLETED, Future, ThreadPoolExecutor,
                                wait)
from dataclasses import dataclass, field
from typing import (Callable, Dict, List, Literal, Mapping, Optional,
                    Sequence, Tuple)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'tools'))
import summarize_results  # noqa: E402

_SCHEDULE = re.compile(r'^\d+xb\d+-\d+k?$')
DEFAULT_METRICS = ('mIoU', 'mIoU_I', 'mIoU_C', 'aAcc', 'ECE', 'BECE')
#: ``--fold-options`` default: DeepGlobe Land's split files.
DEFAULT_FOLD_OPTIONS = (
    'train_dataloader.dataset.ann_file=splits/fold{fold}_train.txt',
    'val_dataloader.dataset.ann_file=splits/fold{fold}_val.txt',
    'test_dataloader.dataset.ann_file=splits/fold{fold}_val.txt')
#: The paper's short names of the data sets and models (table rows).
DATASET_LABELS = {
    'cityscapes': 'Cityscapes',
    'voc12aug': 'VOC',
    'ade20k': 'ADE20K',
    'deepglobe': 'DeepGlobe',
    'mni152': 'MNI152',
}
MODEL_LABELS = {
    'deeplabv3_r101-d8': 'DL3-R101',
    'deeplabv3_r50-d8': 'DL3-R50',
    'deeplabv3_r18-d8': 'DL3-R18',
    'deeplabv3_m-v2-d8': 'DL3-MB2',
    'deeplabv3plus_r101-d8': 'DL3+-R101',
    'deeplabv3plus_r101-d16-augseg': 'DL3+-R101 (AugSeg)',
    'pspnet_r18-d8': 'PSP-R18',
    'unet-head_r50': 'UNet-R50',
    'unet-head_r18': 'UNet-R18',
    'unet-head_m-v2': 'UNet-MB2',
    'segformer_mit-b0': 'SegFormer-B0',
    'segformer_mit-b1': 'SegFormer-B1',
    'segformer_mit-b3': 'SegFormer-B3',
    'segformer_mit-b5': 'SegFormer-B5',
}
#: The rows of Table 12 (``configs/ssl``, ``configs/demo``): the method part
#: of a config name, without ``-<n>labeled``.
SSL_METHOD_LABELS = dict(
    zip(('sup', 'augseg', 'augseg-jmlsup', 'augseg-jmlsup-jmlunsup',
         'jml-ssl'), summarize_results.SSL_METHODS))
_SSL_METHOD = re.compile(r'^(?P<method>.+)-(?P<split>\d+(?:of\d+)?)labeled$')
Layout = Literal['paper', 'eps-grid', 'folds', 'ssl']
LAYOUTS: Tuple[str, ...] = ('paper', 'eps-grid', 'folds', 'ssl')


def _name_parts(config: str) -> Tuple[List[str], int]:
    parts = osp.splitext(osp.basename(config))[0].split('_')
    for index, part in enumerate(parts):
        if _SCHEDULE.match(part):
            break
    else:
        raise ValueError(
            f'expected a config name like method_model_4xb2-40k_data-crop.py,'
            f' got {osp.basename(config)}')
    if index < 2:
        raise ValueError(f'expected <method>_<model>_ before the schedule in '
                         f'{osp.basename(config)}')
    return parts, index


def config_labels(config: str) -> Tuple[str, str]:
    """``(method, model)`` labels parsed from a config file name.

    Raises:
        ValueError: If the name has no ``<gpus>xb<batch>-<iters>`` part.
    """
    parts, index = _name_parts(config)
    model = '_'.join(parts[1:index])
    return parts[0].upper(), model.split('-to-')[-1]


def table_labels(config: str) -> Tuple[str, str]:
    """``(method, row)`` of a config in the sweep's tables: the row is
    ``<data set> <model>`` in the paper's short names where known
    (``Cityscapes DL3-R18``), else the names of the config file."""
    method, model = config_labels(config)
    parts, index = _name_parts(config)
    dataset = re.sub(r'-\d+x\d+$', '', '_'.join(parts[index + 1:]))
    dataset = DATASET_LABELS.get(dataset, dataset)
    row = MODEL_LABELS.get(model, model)
    return method, f'{dataset} {row}' if dataset else row


def ssl_labels(config: str) -> Tuple[str, str]:
    """``(method, split)`` of a semi-supervised config
    (``<method>-<n>labeled_<model>_<NxbM>-<iters>_<data>.py``): the method
    in Table 12's words (``sup`` -> ``Supervised``, ``jml-ssl`` ->
    ``JML-SSL``, an unknown one upper-cased) and the number of labelled
    images (``92``, or ``1of8`` for a fraction).

    Raises:
        ValueError: If the method part does not end in ``-<n>labeled``.
    """
    parts, _ = _name_parts(config)
    match = _SSL_METHOD.match(parts[0])
    if match is None:
        raise ValueError(f'expected a semi-supervised config name like '
                         f'jml-ssl-92labeled_<model>_2xb16-52400_<data>.py, '
                         f'got {osp.basename(config)}')
    method = match['method']
    return SSL_METHOD_LABELS.get(method, method.upper()), match['split']


def _read_list(path: str) -> Tuple[List[str], Dict[str, str]]:
    """Configs and ``#! key: value`` directives of a list file."""
    configs, directives = [], {}
    with open(path) as f:
        for line in f:
            if line.startswith('#!'):
                key, _, value = line[2:].partition(':')
                directives[key.strip()] = value.strip()
            line = line.split('#')[0].strip()
            if line:
                configs.append(line)
    return configs, directives


def read_directives(items: Sequence[str]) -> Dict[str, str]:
    """The ``#! key: value`` lines of the ``.txt`` list files among
    ``items`` (``layout``, ``folds``)."""
    directives: Dict[str, str] = {}
    for item in items:
        if item.endswith('.txt'):
            directives.update(_read_list(item)[1])
    unknown = set(directives) - {'layout', 'folds'}
    if unknown:
        raise ValueError(f'expected list directives layout or folds, got '
                         f'{sorted(unknown)}')
    return directives


def expand_configs(items: Sequence[str]) -> List[str]:
    """Config files, with ``.txt`` list files expanded (one config per line,
    ``#`` comments, paths relative to the repository root).

    Raises:
        FileNotFoundError: If a listed config does not exist.
    """
    configs = []
    for item in items:
        configs += _read_list(item)[0] if item.endswith('.txt') else [item]
    for config in configs:
        if not osp.isfile(config) and not osp.isfile(osp.join(REPO, config)):
            raise FileNotFoundError(f'config file not found: {config}')
    return configs


def run_dir(work_root: str, config: str, seed: int) -> str:
    """``<work_root>/<config name>/seed<seed>``."""
    return run_dir_for(work_root, config, f'seed{seed}')


def run_dir_for(work_root: str, config: str, run: str) -> str:
    """``<work_root>/<config name>/<run>`` (``run``: ``seed<k>`` or
    ``fold<k>``)."""
    return osp.join(work_root, osp.splitext(osp.basename(config))[0], run)


def is_finished(work_dir: str) -> bool:
    """True if the newest run of the work dir is a finished test (see
    ``summarize_results.inspect_run``)."""
    return summarize_results.inspect_run(work_dir).finished


def _normalize(config: str) -> str:
    """A config path (relative to the working directory, or absolute)
    relative to the repository when it lies inside it, else absolute."""
    path = osp.realpath(osp.abspath(config))
    rel = osp.relpath(path, REPO)
    return path if rel.startswith('..') else rel


def parse_cfg_options(options: Sequence[str]) -> dict:
    """``KEY=VALUE`` strings parsed as MMEngine's ``--cfg-options`` are."""
    from mmengine.config import DictAction
    if not options:
        return {}
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    return parser.parse_args(['--o', *options]).o


@dataclass
class ConfigInfo:
    """What the sweep needs of a config: its teacher config (None if it is
    not a distillation student) and the name of its final checkpoint."""
    teacher_config: Optional[str]
    final_checkpoint: str


def read_config(config: str, cfg_options: Sequence[str] = ()) -> ConfigInfo:
    """Load a config with MMEngine (``--cfg-options`` applied) and read its
    teacher and final checkpoint name.

    Raises:
        ValueError: If the training loop has neither ``max_iters`` nor
            ``max_epochs``.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(config, import_custom_modules=False)
    cfg.merge_from_dict(parse_cfg_options(cfg_options))
    model = cfg.get('model') or {}
    teacher = model.get('teacher_config') if hasattr(model, 'get') else None
    train_cfg = cfg.get('train_cfg') or {}
    if train_cfg.get('max_iters') is not None:
        checkpoint = f'iter_{train_cfg["max_iters"]}.pth'
    elif train_cfg.get('max_epochs') is not None:
        checkpoint = f'epoch_{train_cfg["max_epochs"]}.pth'
    else:
        raise ValueError(f'expected train_cfg.max_iters or max_epochs in '
                         f'{config}, got {dict(train_cfg)}')
    return ConfigInfo(teacher if isinstance(teacher, str) else None,
                      checkpoint)


@dataclass
class Job:
    """One run of the sweep.

    Attributes:
        config: The config file as listed (a teacher added by the sweep:
            relative to the repository if inside it).
        run: ``seed<k>`` or ``fold<k>``.
        seed: The random seed.
        fold: The fold, or None.
        work_dir: ``<work-root>/<config name>/<run>``.
        cfg_options: ``KEY=VALUE`` options of its train and test commands
            (the sweep's, the fold's and the teacher checkpoint).
        teacher_work_dir: The work dir of its teacher's run, or None.
        teacher_checkpoint: The checkpoint that run writes, or None.
    """
    config: str
    run: str
    seed: int
    fold: Optional[int]
    work_dir: str
    cfg_options: List[str] = field(default_factory=list)
    teacher_work_dir: Optional[str] = None
    teacher_checkpoint: Optional[str] = None


def order_configs(configs: Sequence[str],
                  teacher_of: Mapping[str, Optional[str]]) -> List[str]:
    """The configs with every teacher before its students (otherwise in the
    given order); a teacher that is not listed is added before its first
    student.

    Args:
        configs: Normalized config paths.
        teacher_of: Config -> its normalized teacher config (or None), for
            every config and teacher.

    Raises:
        ValueError: On a teacher cycle.
    """
    ordered: List[str] = []
    visiting: List[str] = []

    def visit(config: str) -> None:
        if config in ordered:
            return
        if config in visiting:
            raise ValueError(f'expected teachers without cycles, got '
                             f'{" -> ".join(visiting + [config])}')
        visiting.append(config)
        teacher = teacher_of.get(config)
        if teacher is not None:
            visit(teacher)
        visiting.pop()
        ordered.append(config)

    for config in configs:
        visit(config)
    return ordered


def plan_runs(
        configs: Sequence[str],
        seeds: Sequence[int],
        work_root: str,
        cfg_options: Sequence[str] = (),
        folds: Optional[Sequence[int]] = None,
        fold_options: Sequence[str] = DEFAULT_FOLD_OPTIONS,
        read: Callable[[str, Sequence[str]], ConfigInfo] = read_config
) -> List[Job]:
    """The ordered runs of a sweep: every teacher's runs before its
    students', each student run with the checkpoint of its teacher's run of
    the same seed (fold).

    Args:
        configs: Config files (duplicates run once).
        seeds: Random seeds; exactly one with ``folds``.
        work_root: Root of the work dirs.
        cfg_options: ``KEY=VALUE`` for every train and test command.
        folds: Folds to run (``fold<k>`` work dirs), or None for seeds.
        fold_options: ``KEY=VALUE`` templates with ``{fold}``.
        read: Reads a config's :class:`ConfigInfo` (the tests fake it).

    Returns:
        list[Job]: In the order to run.

    Raises:
        ValueError: With ``folds`` and not exactly one seed, or on a
            teacher cycle.
    """
    if folds is not None and len(seeds) != 1:
        raise ValueError(f'expected one --seeds value with --folds (each '
                         f'fold runs once), got {list(seeds)}')
    infos: Dict[str, ConfigInfo] = {}
    teacher_of: Dict[str, Optional[str]] = {}
    shown: Dict[str, str] = {}  # normalized path -> the path as listed
    for config in configs:
        shown.setdefault(_normalize(config), config)
    listed = list(shown)
    pending = list(listed)
    while pending:
        key = pending.pop(0)
        if key in infos:
            continue
        infos[key] = read(shown.get(key, key), cfg_options)
        teacher = infos[key].teacher_config
        teacher_of[key] = None if teacher is None else _normalize(teacher)
        if teacher is not None:
            pending.append(teacher_of[key])
            shown.setdefault(
                teacher_of[key],
                teacher_of[key] if osp.isabs(teacher) else teacher)
    ordered = order_configs(listed, teacher_of)
    for key in ordered:
        if key not in listed:
            print(f'note: added the teacher {shown[key]} (not in the list) before '
                  f'its students', flush=True)
    runs = ([(f'fold{k}', seeds[0], k) for k in folds] if folds is not None
            else [(f'seed{s}', s, None) for s in seeds])
    jobs = []
    for key in ordered:
        config = shown[key]
        for run, seed, fold in runs:
            options = list(cfg_options)
            if fold is not None:
                options += [o.format(fold=fold) for o in fold_options]
            job = Job(config, run, seed, fold,
                      run_dir_for(work_root, config, run), options)
            teacher = teacher_of[key]
            if teacher is not None:
                job.teacher_work_dir = run_dir_for(work_root, teacher, run)
                job.teacher_checkpoint = osp.join(
                    job.teacher_work_dir, infos[teacher].final_checkpoint)
                job.cfg_options.append(
                    f'model.teacher_checkpoint={job.teacher_checkpoint}')
            jobs.append(job)
    return jobs


def format_plan(jobs: Sequence[Job]) -> str:
    """The plan as a Markdown table: order, config, seed or fold, work dir,
    teacher checkpoint."""
    lines = [
        '| # | config | seed/fold | work dir | teacher checkpoint |',
        '|---|---|---|---|---|'
    ]
    for index, job in enumerate(jobs, 1):
        lines.append(f'| {index} | {job.config} | {job.run} | {job.work_dir}'
                     f' | {job.teacher_checkpoint or "-"} |')
    return '\n'.join(lines) + '\n'


def local_commands(config: str,
                   work_dir: str,
                   seed: int,
                   cfg_options: Sequence[str] = (),
                   threads: Optional[int] = None) -> List[List[str]]:
    """Train, then test the checkpoint named in ``last_checkpoint``
    (``--threads`` on both when ``threads`` is given)."""
    thread_args = [] if threads is None else ['--threads', str(threads)]
    train = [
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
        *thread_args, '--cfg-options', f'randomness.seed={seed}', *cfg_options
    ]
    test = [
        sys.executable, 'tools/test.py', config,
        f'$(cat {osp.join(work_dir, "last_checkpoint")})', '--work-dir',
        work_dir, *thread_args
    ]
    if cfg_options:
        test += ['--cfg-options', *cfg_options]
    return [train, test]


def remote_commands(config: str,
                    work_dir: str,
                    seed: int,
                    launcher: str,
                    gpus: int,
                    partition: str,
                    cfg_options: Sequence[str] = ()) -> List[str]:
    """The train and test commands of one run for ``dist`` or ``slurm``."""
    options = ' '.join(shlex.quote(o) for o in cfg_options)
    train_opts = f'--cfg-options randomness.seed={seed} {options}'.rstrip()
    test_opts = f' --cfg-options {options}' if cfg_options else ''
    ckpt = f'$(cat {osp.join(work_dir, "last_checkpoint")})'
    if launcher == 'dist':
        return [
            f'bash tools/dist_train.sh {config} {gpus} --work-dir {work_dir} '
            f'{train_opts}',
            f'bash tools/dist_test.sh {config} {ckpt} {gpus} --work-dir '
            f'{work_dir}{test_opts}'
        ]
    job = osp.basename(osp.dirname(work_dir))
    return [
        f'GPUS={gpus} bash tools/slurm_train.sh {partition} {job} {config} '
        f'--work-dir {work_dir} {train_opts}',
        f'GPUS={gpus} bash tools/slurm_test.sh {partition} {job} {config} '
        f'{ckpt} --work-dir {work_dir}{test_opts}'
    ]


def dependent_commands(jobs: Sequence[Job],
                       launcher: Literal['dist', 'slurm'],
                       gpus: int,
                       partition: str,
                       gpus_per_node: int = 4,
                       done: Callable[[str], bool] = is_finished
                       ) -> List[str]:
    """Shell lines that run the jobs with their dependencies.

    ``dist``: one line per run (train && test), in order; a student's line
    starts only if its teacher's checkpoint exists. ``slurm``: one ``sbatch
    --parsable`` per run, its job id kept in ``$JOB_<i>``, a student
    submitted with ``--dependency=afterok:$JOB_<teacher>`` and
    ``--kill-on-invalid-dep=yes``. Finished runs are left out (a comment
    says so).
    """
    lines: List[str] = []
    job_vars: Dict[str, str] = {}
    per_node = min(gpus, gpus_per_node)
    for index, job in enumerate(jobs, 1):
        if done(job.work_dir):
            lines.append(f'# skip (finished): {job.work_dir}')
            continue
        train, test = remote_commands(job.config, job.work_dir, job.seed,
                                      launcher, gpus, partition,
                                      job.cfg_options)
        if launcher == 'dist':
            guard = (f'test -f {shlex.quote(job.teacher_checkpoint)} && '
                     if job.teacher_checkpoint else '')
            lines.append(f'{guard}{train} && {test}')
            continue
        env = f'GPUS_PER_NODE={per_node} '
        wrap = shlex.quote(f'{env}{train} && {env}{test}')
        name = osp.basename(osp.dirname(job.work_dir))
        dependency = ''
        teacher_var = job_vars.get(job.teacher_work_dir or '')
        if teacher_var is not None:
            dependency = (f' --dependency=afterok:${teacher_var}'
                          f' --kill-on-invalid-dep=yes')
        var = f'JOB_{index}'
        job_vars[job.work_dir] = var
        lines.append(
            f'{var}=$(sbatch --parsable --partition={partition} '
            f'--job-name={name} --gres=gpu:{per_node} --ntasks={gpus} '
            f'--ntasks-per-node={per_node} --cpus-per-task=5{dependency} '
            f'--wrap={wrap})')
    return lines


def run_local(config: str,
              work_dir: str,
              seed: int,
              cfg_options: Sequence[str] = (),
              threads: Optional[int] = None,
              log_file: Optional[str] = None) -> None:
    """Train and test one run here.

    Args:
        config, work_dir, seed, cfg_options, threads: As
            :func:`local_commands`.
        log_file: Where the two commands' output goes (appended; its
            folder is created), or None for this process's stdout/stderr.

    Raises:
        subprocess.CalledProcessError: If training or testing fails.
    """
    train, test = local_commands(config, work_dir, seed, cfg_options,
                                 threads)
    log = None
    if log_file is not None:
        os.makedirs(osp.dirname(osp.join(REPO, log_file)), exist_ok=True)
        log = open(osp.join(REPO, log_file), 'a')
    try:
        for index, command in enumerate((train, test)):
            if index == 1:
                with open(osp.join(REPO, work_dir, 'last_checkpoint')) as f:
                    command[3] = f.read().strip()
            print('+ ' + shlex.join(command), file=log or sys.stdout,
                  flush=True)
            subprocess.run(command, cwd=REPO, check=True, stdout=log,
                           stderr=log and subprocess.STDOUT)
    finally:
        if log is not None:
            log.close()


def run_job(job: Job,
            threads: Optional[int] = None,
            log_output: bool = False) -> bool:
    """Train and test a job here; False if either fails.

    With ``log_output`` the commands' output goes to
    ``<work_dir>/sweep.log`` instead of the terminal (parallel runs).
    """
    log_file = osp.join(job.work_dir, 'sweep.log') if log_output else None
    try:
        run_local(job.config, job.work_dir, job.seed, job.cfg_options,
                  threads, log_file)
    except (subprocess.CalledProcessError, OSError) as error:
        where = f' (output: {log_file})' if log_file else ''
        print(f'FAILED: {job.config} ({job.run}): {error}{where}',
              flush=True)
        return False
    return True


#: Outcomes of :func:`execute`.
Status = Literal['finished', 'done', 'failed', 'skipped']


def execute(jobs: Sequence[Job],
            runner: Callable[[Job], bool] = run_job,
            done: Callable[[str], bool] = is_finished,
            max_parallel: int = 1) -> Dict[str, Status]:
    """Run the jobs in order, up to ``max_parallel`` at a time; a failure
    never stops the others.

    A job starts once fewer than ``max_parallel`` jobs run and its teacher
    run (if any) has ended; jobs start in the given order, except that a
    student waiting for its teacher lets later jobs pass it. With
    ``max_parallel=1`` the jobs run one after the other, in order.

    A job whose work dir is finished is not run (``finished``). A student
    whose teacher run failed or was skipped, or whose teacher checkpoint is
    missing, is reported and skipped (``skipped``).

    Args:
        jobs: From :func:`plan_runs`.
        runner: Runs one job, returns True on success (called from worker
            threads when ``max_parallel > 1``).
        done: Whether a work dir holds a finished run.
        max_parallel: How many jobs may run at once. Defaults to 1.

    Returns:
        dict: work dir -> ``finished``, ``done``, ``failed`` or ``skipped``.

    Raises:
        ValueError: If ``max_parallel < 1``.
    """
    if isinstance(max_parallel, bool) or not isinstance(max_parallel, int) \
            or max_parallel < 1:
        raise ValueError(
            f'expected max_parallel >= 1, got {max_parallel!r}')
    status: Dict[str, Status] = {}
    planned = {job.work_dir for job in jobs}
    waiting = list(jobs)
    running: Dict[Future, Job] = {}

    def resolve(job: Job) -> Optional[Status]:
        """The job's outcome without running it, or None to run it."""
        teacher = job.teacher_work_dir
        if done(job.work_dir):
            print(f'skip (finished): {job.work_dir}', flush=True)
            return 'finished'
        if teacher is not None and status.get(teacher) in ('failed',
                                                            'skipped'):
            print(f'skip {job.config} ({job.run}): its teacher run {teacher}'
                  f' {status[teacher]}', flush=True)
            return 'skipped'
        if (job.teacher_checkpoint is not None
                and not osp.isfile(job.teacher_checkpoint)):
            print(f'skip {job.config} ({job.run}): teacher checkpoint '
                  f'{job.teacher_checkpoint} not found', flush=True)
            return 'skipped'
        return None

    with ThreadPoolExecutor(max_workers=max_parallel) as pool:
        while waiting or running:
            for job in list(waiting):
                if len(running) >= max_parallel:
                    break
                teacher = job.teacher_work_dir
                if teacher in planned and teacher not in status and running:
                    continue  # its teacher runs or waits for a free slot
                waiting.remove(job)
                outcome = resolve(job)
                if outcome is not None:
                    status[job.work_dir] = outcome
                elif max_parallel == 1:
                    status[job.work_dir] = 'done' if runner(job) else 'failed'
                else:
                    print(f'start: {job.config} ({job.run})', flush=True)
                    running[pool.submit(runner, job)] = job
            if not running:
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                job = running.pop(future)
                ok = future.result()
                status[job.work_dir] = 'done' if ok else 'failed'
                print(f'{"end" if ok else "FAILED"}: {job.config} '
                      f'({job.run})', flush=True)
    return status


def summarize(jobs: Sequence[Job],
              metrics: Sequence[str],
              layout: Layout = 'paper') -> Tuple[str, str, List[str]]:
    """Markdown and CSV tables of the runs (missing runs show as missing),
    and the warnings about missing, stale or unreadable results.

    Layouts: see the module docstring. Configs with the same labels get
    their schedule appended to the method (``JML-KD (4xb4-40k)``), except
    one on the sweep's most common schedule, which keeps the plain label.
    """
    if layout not in LAYOUTS:
        raise ValueError(f'expected layout in {LAYOUTS}, got {layout!r}')
    # (method, row, split): the split of the ssl layout, else ''.
    labels: Dict[str, Tuple[str, str, str]] = {}
    for job in jobs:
        method, row = table_labels(job.config)
        split = ''
        if layout == 'ssl':
            method, split = ssl_labels(job.config)
        labels[job.config] = (method, row, split)
    seen: Dict[Tuple[str, str, str], List[str]] = {}
    for config, label in labels.items():
        seen.setdefault(label, []).append(config)
    schedules = {c: _name_parts(c)[0][_name_parts(c)[1]] for c in labels}
    counts = Counter(schedules.values())
    for configs in seen.values():
        if len(configs) > 1:
            # the one config on the sweep's most common schedule keeps the
            # plain label (e.g. a baseline beside its longer-trained
            # teacher); the others are told apart by their schedule
            usual = [c for c in configs
                     if counts[schedules[c]] == max(counts.values())]
            for config in configs:
                if usual == [config]:
                    continue
                method, row, split = labels[config]
                labels[config] = (f'{method} ({schedules[config]})', row,
                                  split)
    specs = [f'{labels[j.config][1]}:{labels[j.config][0]}={j.work_dir}'
             for j in jobs]
    runs = summarize_results.collect_runs(specs)
    warnings = summarize_results.run_warnings(runs)
    if layout == 'ssl':
        markdown, csv_text, best_warnings = summarize_results.summarize_ssl(
            runs, [labels[j.config][2] for j in jobs], metrics[0],
            summarize_results.BUILTIN_SSL_PAPER_NUMBERS)
        return markdown, csv_text, warnings + best_warnings
    if layout == 'folds':
        folds = {j.work_dir: j.fold for j in jobs}
        return (*summarize_results.to_fold_tables(
            runs, [folds[r.work_dir] for r in runs], metrics[0],
            summarize_results.BUILTIN_PAPER_FOLD_NUMBERS), warnings)
    cells = summarize_results.summarize(
        runs, metrics=metrics,
        paper_numbers=summarize_results.BUILTIN_PAPER_NUMBERS)
    if layout == 'eps-grid':
        return (*summarize_results.to_eps_grid(cells, metrics[0]), warnings)
    return (summarize_results.to_markdown(cells, layout='paper'),
            summarize_results.to_csv(cells, layout='paper'), warnings)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument(
        '--folds', type=int, nargs='+',
        help='run every config once per fold (fold<k> work dirs)')
    parser.add_argument(
        '--fold-options', nargs='+', default=list(DEFAULT_FOLD_OPTIONS),
        help='KEY=VALUE templates with {fold} (default: %(default)s)')
    parser.add_argument('--work-root', default=osp.join('work_dirs', 'sweep'))
    parser.add_argument(
        '--launcher', choices=['local', 'dist', 'slurm'], default='local')
    parser.add_argument('--gpus', type=int, default=4)
    parser.add_argument('--gpus-per-node', type=int, default=4)
    parser.add_argument('--partition', default='PARTITION')
    parser.add_argument(
        '--dry-run', action='store_true', help='print the plan, run nothing')
    parser.add_argument('--metrics', nargs='+', default=DEFAULT_METRICS)
    parser.add_argument('--layout', choices=LAYOUTS)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='KEY=VALUE overrides for every train and test command')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='local launcher: runs at once (each run\'s output then goes to '
        '<work dir>/sweep.log; default: %(default)s)')
    parser.add_argument(
        '--threads',
        type=int,
        help='local launcher: --threads of every train and test command '
        '(CPU threads of torch; results on the CPU depend on it)')
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f'expected --jobs >= 1, got {args.jobs}')
    if args.threads is not None and args.threads < 1:
        parser.error(f'expected --threads >= 1, got {args.threads}')
    if args.launcher != 'local' and (args.jobs != 1
                                     or args.threads is not None):
        parser.error('--jobs and --threads are options of the local '
                     'launcher')

    os.chdir(REPO)
    directives = read_directives(args.configs)
    layout = args.layout or directives.get('layout', 'paper')
    if layout not in LAYOUTS:
        parser.error(f'expected layout in {LAYOUTS}, got {layout!r}')
    folds = args.folds
    if folds is None and 'folds' in directives:
        folds = [int(k) for k in directives['folds'].split()]
    try:
        configs = expand_configs(args.configs)
        for config in configs:
            # fail on a bad name before any training
            (ssl_labels if layout == 'ssl' else config_labels)(config)
        jobs = plan_runs(configs, args.seeds, args.work_root,
                         args.cfg_options, folds, args.fold_options)
    except (FileNotFoundError, ValueError) as error:
        parser.error(str(error))

    status: Dict[str, Status] = {}
    if args.dry_run:
        print(format_plan(jobs))
    if args.launcher != 'local':
        for line in dependent_commands(jobs, args.launcher, args.gpus,
                                       args.partition, args.gpus_per_node):
            print(line)
    elif args.dry_run:
        for job in jobs:
            for command in local_commands(job.config, job.work_dir, job.seed,
                                          job.cfg_options, args.threads):
                print(' '.join(command))
    else:
        status = execute(
            jobs,
            functools.partial(
                run_job, threads=args.threads, log_output=args.jobs > 1),
            max_parallel=args.jobs)

    markdown, csv_text, warnings = summarize(jobs, args.metrics, layout)
    os.makedirs(args.work_root, exist_ok=True)
    for name, text in (('results.md', markdown), ('results.csv', csv_text)):
        with open(osp.join(args.work_root, name), 'w') as f:
            f.write(text)
    print()
    print(markdown)
    for line in warnings:
        print(line, file=sys.stderr)
    bad = {wd: s for wd, s in status.items() if s in ('failed', 'skipped')}
    for work_dir, outcome in bad.items():
        print(f'{outcome}: {work_dir}', file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
