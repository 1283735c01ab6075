"""Speed and peak memory of the segmentation losses relative to cross-entropy.

Usage::

    python tools/benchmark_losses.py                 # full sizes
    python tools/benchmark_losses.py --quick         # small sizes, seconds
    python tools/benchmark_losses.py --repeats 7 --threads 1

For every (size, loss) pair a fresh Python process (this script with
``--worker``) allocates the logits and the target, then

* peak memory (one process): runs one forward + backward and reports the growth of the
  process's peak resident set size (``resource.getrusage(RUSAGE_SELF)
  .ru_maxrss``) over its value right after the inputs were allocated (and
  one tiny warm-up call on a 1x1 image, so lazy initialisation is not
  counted). glibc's malloc is told to serve every block above 64 KiB with
  ``mmap`` (``MALLOC_MMAP_THRESHOLD_``), so freed buffers leave the resident
  set at once and the number is the peak of live memory (tensors, autograd
  buffers, temporaries) plus page rounding. The gradient of the logits is
  part of it, for every loss alike.
* time (a second process, default malloc): after one warm-up pass runs
  ``--repeats`` forward + backward passes of the loss and of
  ``F.cross_entropy`` interleaved, and reports the median of each; the
  ratio uses the cross-entropy time measured in the same process, so load
  from other processes affects both alike.

Losses: ``F.cross_entropy`` (CE), MMSeg's ``DiceLoss`` (softmax, as in
multi-class configs) and ``LovaszLoss`` (multi-class, batch-level), this
package's ``JaccardMetricLoss`` with hard labels and with soft targets,
a dense reference of JML (one-hot target, plain autograd), the
distillation KL divergence (``KLDivergenceLoss``, soft teacher target) and
its plain-autograd reference (``kl_reference``), and boundary
label smoothing (k = 3, eps = 0.5) inside the loss: ``ce_bls``
(``SoftCrossEntropyLoss``) and ``jml_bls`` (``JaccardMetricLoss``) with
``target_transform=BoundaryLabelSmoothing``, and ``jml_bls_dense`` (the
dense (N, C, H, W) BLS target built first, then the soft-target JML, for
comparison). The BLS rows use a label map of 16 x 16 blocks of random
classes (about a fifth of the pixels are boundary pixels), the others
labels drawn per pixel, since with per-pixel random labels every pixel
would be a boundary pixel.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Tuple

SIZES = {
    'cityscapes': (2, 19, 512, 1024),
    'ade20k': (2, 150, 512, 512),
}
QUICK_SIZES = {
    'cityscapes': (2, 19, 64, 128),
    'ade20k': (2, 150, 32, 64),
}
# run from a checkout without installing the package
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

LOSSES = ('ce', 'mmseg_dice', 'mmseg_lovasz', 'jml_hard', 'jml_soft',
          'jml_dense_reference', 'ce_bls', 'jml_bls', 'jml_bls_dense', 'kl',
          'kl_reference')
#: Losses whose target is a soft (N, C, H, W) probability map.
SOFT_TARGET_LOSSES = ('jml_soft', 'kl', 'kl_reference')
#: Losses benchmarked on block labels (realistic boundaries).
BLOCK_LABEL_LOSSES = ('ce_bls', 'jml_bls', 'jml_bls_dense')
BLOCK = 16


def _dense_reference_jml(logits, labels, ignore_index=255, smooth=1.0):
    """JML1 (D term, present classes) with a one-hot target and autograd."""
    import torch
    import torch.nn.functional as F
    prob = torch.softmax(logits.float(), dim=1)
    valid = labels != ignore_index
    onehot = F.one_hot(torch.where(valid, labels, 0), logits.shape[1])
    onehot = onehot.permute(0, 3, 1, 2).to(prob) * valid.unsqueeze(1)
    x = prob * valid.unsqueeze(1)
    dims = (0, 2, 3)
    inter = torch.minimum(x, onehot).sum(dims)
    union = torch.maximum(x, onehot).sum(dims)
    loss = 1 - (inter + smooth) / (union + smooth)
    present = onehot.sum(dims) > 0
    return (loss * present).sum() / present.sum().clamp_min(1)


def _reference_kl(logits, teacher_probs):
    """KL(teacher || softmax(logits)) per pixel, averaged, by autograd
    (``xlogy`` for the teacher's entropy, as written before the analytic
    backward of ``KLDivergenceLoss``)."""
    import torch
    log_q = torch.log_softmax(logits, dim=1)
    p = teacher_probs
    return (torch.xlogy(p, p) - p * log_q).sum(dim=1).mean()


def _make_loss(name: str) -> Callable:
    import torch.nn.functional as F

    if name == 'ce':
        return lambda x, y: F.cross_entropy(x, y, ignore_index=255)
    if name == 'jml_dense_reference':
        return _dense_reference_jml
    if name == 'kl_reference':
        return _reference_kl
    import mmseg_jml  # noqa: F401  (must precede mmseg.models)
    if name == 'mmseg_dice':
        from mmseg.models.losses import DiceLoss
        return DiceLoss(use_sigmoid=False)
    if name == 'mmseg_lovasz':
        from mmseg.models.losses import LovaszLoss
        return LovaszLoss(loss_type='multi_class', reduction='none')
    from mmseg_jml.models.losses import (BoundaryLabelSmoothing,
                                         JaccardMetricLoss, KLDivergenceLoss,
                                         SoftCrossEntropyLoss)
    if name == 'kl':
        return KLDivergenceLoss()
    if name == 'ce_bls':
        return SoftCrossEntropyLoss(
            target_transform=BoundaryLabelSmoothing(3, 0.5))
    if name == 'jml_bls':
        return JaccardMetricLoss(
            target_transform=BoundaryLabelSmoothing(3, 0.5))
    if name == 'jml_bls_dense':
        bls, jml = BoundaryLabelSmoothing(3, 0.5), JaccardMetricLoss()
        return lambda x, y: jml(x, bls(y, x.shape[1]))
    return JaccardMetricLoss()


def _inputs(name: str, shape: Tuple[int, int, int, int]):
    import torch
    g = torch.Generator().manual_seed(0)
    n, c, h, w = shape
    logits = torch.randn(shape, generator=g).requires_grad_(True)
    if name in SOFT_TARGET_LOSSES:
        target = torch.softmax(2 * torch.randn(shape, generator=g), dim=1)
    elif name in BLOCK_LABEL_LOSSES:
        blocks = torch.randint(0, c, (n, -(-h // BLOCK), -(-w // BLOCK)),
                               generator=g)
        target = blocks.repeat_interleave(BLOCK, 1).repeat_interleave(
            BLOCK, 2)[:, :h, :w].contiguous()
        target[:, :h // 16] = 255  # a band of ignored pixels
    else:
        target = torch.randint(0, c, (n, h, w), generator=g)
        target[:, :h // 16] = 255  # a band of ignored pixels
    return logits, target


def _step(fn: Callable, logits, target) -> float:
    start = time.perf_counter()
    fn(logits, target).backward()
    elapsed = time.perf_counter() - start
    logits.grad = None
    return elapsed


def _worker(name: str, shape: Tuple[int, int, int, int], repeats: int,
            threads: int, measure: str) -> Dict[str, float]:
    import torch
    torch.set_num_threads(threads)
    fn = _make_loss(name)
    tiny_logits, tiny_target = _inputs(name, (shape[0], shape[1], 1, 1))
    _step(fn, tiny_logits, tiny_target)  # lazy initialisation, not counted
    logits, target = _inputs(name, shape)
    if measure == 'memory':
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _step(fn, logits, target)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
        return dict(peak_mib=peak_kib / 1024)
    ce = _make_loss('ce')
    if name in SOFT_TARGET_LOSSES:
        ce_logits, ce_target = _inputs('ce', shape)
    else:
        ce_logits, ce_target = logits, target
    _step(fn, logits, target)  # warm-up
    _step(ce, ce_logits, ce_target)
    times, ce_times = [], []
    for _ in range(repeats):
        ce_times.append(_step(ce, ce_logits, ce_target))
        times.append(_step(fn, logits, target))
    return dict(time=statistics.median(times),
                ce_time=statistics.median(ce_times))


def _run_worker(name: str, shape, repeats: int, threads: int) -> Dict:
    result = {}
    for measure in ('memory', 'time'):
        env = dict(os.environ)
        env['OMP_NUM_THREADS'] = str(threads)
        if measure == 'memory':  # freed blocks leave the resident set
            env['MALLOC_MMAP_THRESHOLD_'] = str(64 * 1024)
        cmd = [
            sys.executable,
            os.path.abspath(__file__), '--worker', name, '--measure',
            measure, '--shape', ','.join(map(str, shape)), '--repeats',
            str(repeats), '--threads',
            str(threads)
        ]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f'benchmark of {name} at {shape} failed:\n'
                               f'{out.stderr[-3000:]}')
        result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    return result


def _table(rows: List[Tuple]) -> str:
    header = ('size (N, C, H, W)', 'loss', 'fwd+bwd ms', 'x CE time',
              'peak MiB', 'x CE peak')
    lines = [header] + [(str(r[0]), r[1], f'{r[2]:.1f}', f'{r[3]:.2f}',
                         f'{r[4]:.0f}', f'{r[5]:.2f}') for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(6)]
    fmt = ' | '.join('{:<%d}' % w for w in widths)
    out = [fmt.format(*lines[0]), '-+-'.join('-' * w for w in widths)]
    out += [fmt.format(*line) for line in lines[1:]]
    return '\n'.join(out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='small sizes (a smoke test in seconds)')
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed forward+backward passes per loss')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (default 1)')
    parser.add_argument('--losses', default=','.join(LOSSES),
                        help='comma-separated subset of ' + ','.join(LOSSES))
    parser.add_argument('--sizes', default=','.join(SIZES),
                        help='comma-separated subset of ' + ','.join(SIZES))
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    parser.add_argument('--shape', help=argparse.SUPPRESS)
    parser.add_argument('--measure', choices=('memory', 'time'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f'expected --repeats >= 1, got {args.repeats}')
    if args.worker:
        shape = tuple(int(v) for v in args.shape.split(','))
        print(json.dumps(_worker(args.worker, shape, args.repeats,
                                 args.threads, args.measure)))
        return
    losses = [s for s in args.losses.split(',') if s]
    sizes = [s for s in args.sizes.split(',') if s]
    for name in losses:
        if name not in LOSSES:
            parser.error(f'expected losses among {LOSSES}, got {name!r}')
    for size in sizes:
        if size not in SIZES:
            parser.error(f'expected sizes among {tuple(SIZES)}, got {size!r}')
    table = QUICK_SIZES if args.quick else SIZES
    rows = []
    for size in sizes:
        shape = table[size]
        ce = _run_worker('ce', shape, args.repeats, args.threads)
        for name in losses:
            res = ce if name == 'ce' else _run_worker(
                name, shape, args.repeats, args.threads)
            rows.append((shape, name, 1000 * res['time'],
                         res['time'] / res['ce_time'], res['peak_mib'],
                         res['peak_mib'] / max(ce['peak_mib'], 1e-9)))
            print(f'# done {size} {name}', file=sys.stderr, flush=True)
    print(f'threads={args.threads}, repeats={args.repeats} (median), '
          'time ratio vs F.cross_entropy in the same process, peak = growth '
          'of ru_maxrss over the inputs')
    print(_table(rows))


if __name__ == '__main__':
    main()
