"""Run a list of configs x seeds, skip finished runs, summarise the results.

Usage::

    python tools/sweep.py CONFIG_OR_LIST [...] --seeds 0 1 2 \\
        [--work-root work_dirs/sweep] [--launcher local|dist|slurm]
        [--gpus N] [--partition P] [--dry-run] [--metrics mIoU ECE ...]
        [--cfg-options KEY=VALUE ...]

Each argument is a config file or a text file listing configs (one per line,
``#`` comments). Every (config, seed) trains into
``<work-root>/<config name>/seed<k>`` and is then tested on its last
checkpoint; a run whose work dir already holds test metrics is skipped, so
an interrupted sweep resumes where it stopped.

Launchers: ``local`` runs ``tools/train.py`` and ``tools/test.py`` here, one
after the other. ``dist`` and ``slurm`` print the ``tools/dist_*.sh`` /
``tools/slurm_*.sh`` commands for a GPU machine or cluster instead of running
them (``--dry-run`` prints the local commands). Afterwards the table of all
finished runs is printed and written to ``<work-root>/results.{md,csv}`` by
``tools/summarize_results.py``: rows (model, metric), one column per method,
mean ± std over seeds. ``--cfg-options`` are passed to every train and
test command.

Method and model labels come from the config name
(``<method>_<model parts>_<NxbM>-<iters>_<dataset>-<crop>.py``): the method is
the first part upper-cased (``jml-bls`` -> ``JML-BLS``), the model the parts
up to the schedule (``deeplabv3_r18-d8``); a distillation config names
``<teacher>-to-<student>`` there, and its row is the student's.
"""
import argparse
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from typing import List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'tools'))
import summarize_results  # noqa: E402

_SCHEDULE = re.compile(r'^\d+xb\d+-\d+k?$')
DEFAULT_METRICS = ('mIoU', 'mIoU_I', 'mIoU_C', 'aAcc', 'ECE', 'BECE')


def config_labels(config: str) -> Tuple[str, str]:
    """``(method, model)`` labels parsed from a config file name.

    Raises:
        ValueError: If the name has no ``<gpus>xb<batch>-<iters>`` part.
    """
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
    model = '_'.join(parts[1:index])
    return parts[0].upper(), model.split('-to-')[-1]


def expand_configs(items: Sequence[str]) -> List[str]:
    """Config files, with ``.txt`` list files expanded (one config per line,
    ``#`` comments, paths relative to the repository root).

    Raises:
        FileNotFoundError: If a listed config does not exist.
    """
    configs = []
    for item in items:
        if item.endswith('.txt'):
            with open(item) as f:
                for line in f:
                    line = line.split('#')[0].strip()
                    if line:
                        configs.append(line)
        else:
            configs.append(item)
    for config in configs:
        if not osp.isfile(config) and not osp.isfile(osp.join(REPO, config)):
            raise FileNotFoundError(f'config file not found: {config}')
    return configs


def run_dir(work_root: str, config: str, seed: int) -> str:
    return osp.join(work_root,
                    osp.splitext(osp.basename(config))[0], f'seed{seed}')


def is_finished(work_dir: str) -> bool:
    return summarize_results.load_run_metrics(work_dir) is not None


def local_commands(config: str,
                   work_dir: str,
                   seed: int,
                   cfg_options: Sequence[str] = ()) -> List[List[str]]:
    """Train, then test the checkpoint named in ``last_checkpoint``."""
    train = [
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
        '--cfg-options', f'randomness.seed={seed}', *cfg_options
    ]
    test = [
        sys.executable, 'tools/test.py', config,
        f'$(cat {osp.join(work_dir, "last_checkpoint")})', '--work-dir',
        work_dir
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


def run_local(config: str,
              work_dir: str,
              seed: int,
              cfg_options: Sequence[str] = ()) -> None:
    train, test = local_commands(config, work_dir, seed, cfg_options)
    print('+ ' + shlex.join(train), flush=True)
    subprocess.run(train, cwd=REPO, check=True)
    with open(osp.join(REPO, work_dir, 'last_checkpoint')) as f:
        test[3] = f.read().strip()
    print('+ ' + shlex.join(test), flush=True)
    subprocess.run(test, cwd=REPO, check=True)


def summarize(configs: Sequence[str], seeds: Sequence[int], work_root: str,
              metrics: Sequence[str]) -> Tuple[str, str]:
    """Markdown and CSV tables of every (config, seed) run (missing runs
    show as missing)."""
    specs = []
    for config in configs:
        method, model = config_labels(config)
        for seed in seeds:
            specs.append(
                f'{model}:{method}={run_dir(work_root, config, seed)}')
    cells = summarize_results.summarize(
        summarize_results.collect_runs(specs), metrics=metrics)
    return (summarize_results.to_markdown(cells, layout='paper'),
            summarize_results.to_csv(cells, layout='paper'))


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--work-root', default=osp.join('work_dirs', 'sweep'))
    parser.add_argument(
        '--launcher', choices=['local', 'dist', 'slurm'], default='local')
    parser.add_argument('--gpus', type=int, default=4)
    parser.add_argument('--partition', default='PARTITION')
    parser.add_argument(
        '--dry-run', action='store_true', help='print, do not run')
    parser.add_argument('--metrics', nargs='+', default=DEFAULT_METRICS)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='KEY=VALUE overrides for every train and test command')
    args = parser.parse_args(argv)

    os.chdir(REPO)
    configs = expand_configs(args.configs)
    for config in configs:
        config_labels(config)  # fail on a bad name before any training
    for config in configs:
        for seed in args.seeds:
            work_dir = run_dir(args.work_root, config, seed)
            if is_finished(work_dir):
                print(f'skip (finished): {work_dir}', flush=True)
            elif args.launcher != 'local':
                for command in remote_commands(config, work_dir, seed,
                                               args.launcher, args.gpus,
                                               args.partition,
                                               args.cfg_options):
                    print(command)
            elif args.dry_run:
                for command in local_commands(config, work_dir, seed,
                                              args.cfg_options):
                    print(' '.join(command))
            else:
                run_local(config, work_dir, seed, args.cfg_options)

    markdown, csv_text = summarize(configs, args.seeds, args.work_root,
                                   args.metrics)
    os.makedirs(args.work_root, exist_ok=True)
    for name, text in (('results.md', markdown), ('results.csv', csv_text)):
        with open(osp.join(args.work_root, name), 'w') as f:
            f.write(text)
    print()
    print(markdown)


if __name__ == '__main__':
    main()
