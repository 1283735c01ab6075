"""The demo: train and evaluate a list of configs on the MNI152 tissue data.

Usage::

    python tools/run_demo.py [--work-root work_dirs/demo] [--seed 0]
        [--only LABEL ...] [--reuse]

Prepares ``data/mni152`` on first use, then for every row of
:data:`DEMO_RUNS` trains the config with ``tools/train.py`` and evaluates
its final checkpoint with ``tools/test.py`` (both as subprocesses, exactly as
a user would run them), and prints one results table. ``--reuse`` skips runs
whose work dir already holds test results.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA_ROOT = osp.join('data', 'mni152')

#: (method label, config) pairs; each row of the demo table.
DEMO_RUNS: List[Tuple[str, str]] = [
    ('CE', 'configs/demo/ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'),
]

CLASSES = ('background', 'grey matter', 'white matter')


def newest_test_metrics(work_dir: str) -> Optional[Dict[str, float]]:
    """The metrics of the newest ``tools/test.py`` run in ``work_dir``.

    MMEngine writes ``<work_dir>/<timestamp>/<timestamp>.json``; a test run's
    file holds one line with the metrics (training runs log many lines with
    ``step`` keys).
    """
    for path in sorted(glob.glob(osp.join(work_dir, '*', '*.json')),
                       reverse=True):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if len(lines) == 1 and 'mIoU' in lines[0]:
            return lines[0]
    return None


def run(cmd: Sequence[str]) -> None:
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=REPO, check=True)


def train_and_test(label: str, config: str, work_root: str, seed: int,
                   reuse: bool) -> Tuple[Dict[str, float], str, float]:
    name = osp.splitext(osp.basename(config))[0]
    work_dir = osp.join(work_root, name)
    metrics = newest_test_metrics(work_dir) if reuse else None
    start = time.time()
    if metrics is None:
        run([
            sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
            '--cfg-options', f'randomness.seed={seed}'
        ])
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        run([
            sys.executable, 'tools/test.py', config, checkpoint,
            '--work-dir', work_dir
        ])
        metrics = newest_test_metrics(work_dir)
        if metrics is None:
            raise RuntimeError(f'no test metrics found in {work_dir}')
    return metrics, work_dir, time.time() - start


def format_table(rows: List[Tuple[str, str, Dict[str, float], str]]) -> str:
    """Markdown table: one row per method, metrics in percent."""
    columns = ['aAcc', 'mIoU'] + [f'IoU.{c}' for c in CLASSES]
    header = ['Method'] + columns + ['config', 'work dir']
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---'] * len(header)) + '|'
    ]
    for label, config, metrics, work_dir in rows:
        cells = [
            f'{metrics[key]:.2f}' if key in metrics else 'n/a'
            for key in columns
        ]
        lines.append('| ' + ' | '.join([label] + cells +
                                       [osp.basename(config), work_dir]) +
                     ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-root', default=osp.join('work_dirs', 'demo'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--only', nargs='+', help='method labels to run (default: all)')
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='skip runs whose work dir already holds test results')
    args = parser.parse_args(argv)

    os.chdir(REPO)
    run([sys.executable, 'tools/dataset_converters/mni152.py', DATA_ROOT])
    selected = [(label, config) for label, config in DEMO_RUNS
                if args.only is None or label in args.only]
    if not selected:
        parser.error(f'--only matched none of {[r[0] for r in DEMO_RUNS]}')
    rows = []
    for label, config in selected:
        metrics, work_dir, seconds = train_and_test(label, config,
                                                    args.work_root,
                                                    args.seed, args.reuse)
        print(f'{label}: mIoU {metrics["mIoU"]:.2f} in {seconds:.0f} s '
              f'({work_dir})', flush=True)
        rows.append((label, config, metrics, work_dir))
    table = format_table(rows)
    os.makedirs(args.work_root, exist_ok=True)
    with open(osp.join(args.work_root, 'results.md'), 'w') as f:
        f.write(table + '\n')
    print('\nMNI152 tissue segmentation, validation slices '
          f'(seed {args.seed}):\n')
    print(table)


if __name__ == '__main__':
    main()
