"""The demo: train and evaluate a list of configs on the MNI152 tissue data.

Usage::

    python tools/run_demo.py [--work-root work_dirs/demo] [--seeds 0 ...]
        [--only LABEL ...] [--reuse] [--threads 2]

Prepares ``data/mni152`` on first use, then for every row of
:data:`DEMO_RUNS` and every seed trains the config with ``tools/train.py``
and evaluates its final checkpoint with ``tools/test.py`` (both as
subprocesses, exactly as a user runs them, planned by ``tools/sweep.py``:
the teacher first, each student seed with the teacher of the same seed),
and prints one results table made by ``tools/summarize_results.py``
(written to ``<work-root>/results.md`` and ``.csv`` too). ``--reuse`` skips
runs whose newest run holds test results (an unfinished newer run is
rerun).

Every training and test runs with ``--threads`` CPU threads (default 2,
as the README's numbers): CPU results depend on the thread count, so a
fixed count makes them reproducible on machines of the same CPU type.
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'tools'))
import summarize_results  # noqa: E402
import sweep  # noqa: E402

DATA_ROOT = osp.join('data', 'mni152')
MODEL_LABEL = 'UNet'

#: (method label, config) pairs; each is one row of the demo table. The
#: distillation teacher trains before its students (each student seed loads
#: the teacher checkpoint of the same seed).
_DEMO = 'configs/demo/{}_1xb8-150_mni152-128x128.py'
DEMO_RUNS: List[Tuple[str, str]] = [
    ('CE', _DEMO.format('ce_fcn_unet-s5-c16')),
    ('CE-BLS', _DEMO.format('ce-bls_fcn_unet-s5-c16')),
    ('JML', _DEMO.format('jml_fcn_unet-s5-c16')),
    ('JML-BLS', _DEMO.format('jml-bls_fcn_unet-s5-c16')),
    ('JML-soft', _DEMO.format('jml-soft_fcn_unet-s5-c16')),
    ('teacher (c32, JML-BLS)', _DEMO.format('jml-bls_fcn_unet-s5-c32')),
    ('CE-KD', _DEMO.format('ce-kd_fcn_unet-s5-c32-to-fcn_unet-s5-c16')),
    ('JML-KD', _DEMO.format('jml-kd_fcn_unet-s5-c32-to-fcn_unet-s5-c16')),
]

#: Columns of the demo table (keys of the test metrics json).
METRICS = ('aAcc', 'mIoU', 'mIoU_I', 'mIoU_C', 'IoU.background',
           'IoU.grey matter', 'IoU.white matter', 'ECE', 'BECE')


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-root', default=osp.join('work_dirs', 'demo'))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument(
        '--only', nargs='+', help='method labels to run (default: all)')
    parser.add_argument(
        '--reuse',
        action='store_true',
        help='skip runs whose work dir already holds test results')
    parser.add_argument(
        '--threads',
        type=int,
        default=2,
        help='CPU threads of every training and test (default: %(default)s)')
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error(f'expected --threads >= 1, got {args.threads}')

    os.chdir(REPO)
    # Read by torch when the train/test subprocesses start.
    os.environ['OMP_NUM_THREADS'] = str(args.threads)
    os.environ['MKL_NUM_THREADS'] = str(args.threads)
    subprocess.run(
        [sys.executable, 'tools/dataset_converters/mni152.py', DATA_ROOT],
        check=True)
    selected = [(label, config) for label, config in DEMO_RUNS
                if args.only is None or label in args.only]
    if not selected:
        parser.error(f'--only matched none of {[r[0] for r in DEMO_RUNS]}')
    labels = {config: label for label, config in DEMO_RUNS}
    jobs = sweep.plan_runs([config for _, config in selected], args.seeds,
                           args.work_root)

    def runner(job: sweep.Job) -> bool:
        start = time.time()
        ok = sweep.run_job(job)
        print(f'{labels.get(job.config, job.config)} ({job.run}): '
              f'{time.time() - start:.0f} s, {job.work_dir}', flush=True)
        return ok

    status = sweep.execute(
        jobs, runner,
        done=sweep.is_finished if args.reuse else lambda work_dir: False)
    specs = [
        f'{MODEL_LABEL}:{labels.get(job.config, job.config)}={job.work_dir}'
        for job in jobs
    ]
    runs = summarize_results.collect_runs(specs)
    for line in summarize_results.run_warnings(runs):
        print(line, file=sys.stderr)
    cells = summarize_results.summarize(runs, metrics=METRICS)
    methods = list(dict.fromkeys(
        labels.get(job.config, job.config) for job in jobs))
    table = summarize_results.to_markdown(
        cells, layout='by_method', methods=methods, metrics=METRICS)
    os.makedirs(args.work_root, exist_ok=True)
    with open(osp.join(args.work_root, 'results.md'), 'w') as f:
        f.write(table)
    with open(osp.join(args.work_root, 'results.csv'), 'w') as f:
        f.write(
            summarize_results.to_csv(
                cells, layout='by_method', methods=methods, metrics=METRICS))
    print(f'\nMNI152 tissue segmentation, {len(args.seeds)} seed(s), '
          f'validation slices, metrics in %:\n')
    print(table)
    print('Configs:')
    for label, config in selected:
        print(f'  {label}: {config}')
    print(f'Work dirs: {args.work_root}/<config>/seed<k>; CPU threads: '
          f'{args.threads}')
    failed = [wd for wd, s in status.items() if s in ('failed', 'skipped')]
    for work_dir in failed:
        print(f'{status[work_dir]}: {work_dir}', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
