"""Time and peak memory of a whole MMSeg training step, per loss set-up.

Usage::

    python tools/benchmark_train_step.py                  # 2 x 512 x 512
    python tools/benchmark_train_step.py --size 256 --iters 5 --threads 2
    python tools/benchmark_train_step.py --device cuda --json out.json

A training step is what MMEngine's ``IterBasedTrainLoop`` runs per
iteration: ``model.train_step(data, optim_wrapper)``, i.e. the data
preprocessor (normalisation), the forward pass, every loss, the backward
pass and an SGD step (momentum 0.9, weight decay 5e-4). The model is
built from ``--model-config`` (default: DeepLabV3 with a ResNet-18
backbone, auxiliary FCN head) with pretraining switched off, so nothing is
downloaded, and ``--num-classes`` classes (19, Cityscapes). The batch is
``--batch`` random images of ``--size`` x ``--size`` with labels of 16 x 16
blocks of random classes (about a fifth of the pixels lie on a boundary,
which matters for BLS) and a band of ignored pixels.

Variants (the official loss weights; BLS k = 3, eps = 0.5):

* ``ce``: decode CE 0.5, auxiliary CE 0.5 -- the reference;
* ``ce+jml``: decode CE 0.125 + JML 0.75, auxiliary CE 0.125;
* ``ce+jml-bls``: the same on boundary-label-smoothed targets;
* ``jml-soft``: the JML weights on soft ground truth
  (``SoftLabelEncoderDecoder``);
* ``jml-kd``: ``DistillEncoderDecoder`` with a frozen teacher of
  ``--teacher-config`` (default: the student's architecture): decode CE
  0.0625 + JML 0.375 + KL 0.0625 + JML(teacher) 0.375, auxiliary CE 0.0625
  + KL 0.0625.

Every variant runs in fresh Python processes (this script with
``--worker``):

* time (``--clock``: wall time, or the CPU time of the process, which
  other processes on a shared machine do not inflate as much): the
  variant's model and a CE model with the same weights are built
  side by side; after ``--warmup`` steps of each, ``--iters`` steps of the
  two alternate, and the ratio is the median variant step over the median
  CE step *of the same process*, so load from other processes affects both
  alike. For ``jml-kd`` the teacher's forward pass (no_grad, eval mode,
  through every head the distillation reads: the decode head and, as the
  official recipe distils the auxiliary head too, the auxiliary heads) is
  timed in the same rotation: its target is ``kd - ce <= teacher forward``.
* memory: a second process builds the variant and its batch, then takes
  two steps of it alone. On CPU the figure is the process's peak resident
  set size over the two steps (``VmHWM`` of ``/proc/self/status``, reset
  after the build, so transients of building the batch or writing and
  loading the teacher do not count; everything resident stays counted:
  model, batch, optimizer state, teacher, activations, gradients), with
  glibc told to serve blocks above 64 KiB by ``mmap``
  (``MALLOC_MMAP_THRESHOLD_``) so freed buffers leave the resident set at
  once; where ``/proc`` is missing, ``ru_maxrss`` since the process start.
  On CUDA ``torch.cuda.max_memory_allocated`` over the second step.

Targets (from the issue that asked for this tool): ``ce+jml`` within 3% of
the CE step time, ``ce+jml-bls`` within 8%, ``jml-kd`` within one teacher
forward, peak memory within 5% (``jml-kd`` excepted: it holds a teacher).
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if _ROOT not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, _ROOT)

VARIANTS = ('ce', 'ce+jml', 'ce+jml-bls', 'jml-soft', 'jml-kd')
DEFAULT_MODEL = 'configs/_base_/models/deeplabv3_r18-d8.py'
IGNORE_INDEX = 255
BLOCK = 16
#: Time targets: largest allowed (variant step / CE step).
TIME_TARGETS = {'ce+jml': 1.03, 'ce+jml-bls': 1.08}
MEMORY_TARGET = 1.05


def _bls() -> dict:
    return dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)


def _ce(weight: float, bls: bool = False) -> dict:
    cfg = dict(type='SoftCrossEntropyLoss', loss_weight=weight)
    if bls:
        cfg['target_transform'] = _bls()
    return cfg


def _jml(weight: float, bls: bool = False, **kwargs) -> dict:
    cfg = dict(type='JaccardMetricLoss', loss_weight=weight, **kwargs)
    if bls:
        cfg['target_transform'] = _bls()
    return cfg


def _kl(weight: float) -> dict:
    return dict(
        type='KLDivergenceLoss',
        temperature=1.0,
        loss_weight=weight,
        loss_name='loss_kd_kl')


def variant_losses(variant: str) -> Dict[str, object]:
    """Model overrides (losses, segmentor type) of one variant.

    Returns:
        dict: ``decode`` and ``aux`` loss lists, ``type`` of the segmentor,
        and for ``jml-kd`` the ``distill`` and ``aux_distill`` lists.

    Raises:
        ValueError: On an unknown variant.
    """
    if variant == 'ce':
        return dict(
            type='EncoderDecoder', decode=[_ce(0.5)], aux=[_ce(0.5)])
    if variant in ('ce+jml', 'ce+jml-bls', 'jml-soft'):
        bls = variant == 'ce+jml-bls'
        return dict(
            type='SoftLabelEncoderDecoder'
            if variant == 'jml-soft' else 'EncoderDecoder',
            decode=[_ce(0.125, bls), _jml(0.75, bls)],
            aux=[_ce(0.125, bls)])
    if variant == 'jml-kd':
        return dict(
            type='DistillEncoderDecoder',
            decode=[_ce(0.0625), _jml(0.375)],
            aux=[_ce(0.0625)],
            distill=[
                _kl(0.0625),
                _jml(
                    0.375,
                    active_classes='label',
                    threshold=0.01,
                    loss_name='loss_kd_jml')
            ],
            aux_distill=[_kl(0.0625)])
    raise ValueError(f'expected a variant in {VARIANTS}, got {variant!r}')


def _disable_pretraining(model_cfg) -> None:
    """Switch every form of pretrained weights off (offline builds)."""
    model_cfg['pretrained'] = None
    backbone = model_cfg['backbone']
    backbone.pop('init_cfg', None)
    if 'pretrained' in backbone:  # TIMMBackbone and friends
        backbone['pretrained'] = False


def _heads(model_cfg) -> List[dict]:
    aux = model_cfg.get('auxiliary_head', None)
    aux = [] if aux is None else (aux if isinstance(aux, list) else [aux])
    return [model_cfg['decode_head']] + list(aux)


def base_model_config(config_path: str, num_classes: int, size: int):
    """The model config of ``config_path``: BN instead of SyncBN, no
    pretraining, ``num_classes`` on every head, a fixed input size."""
    from mmengine.config import Config

    from mmseg_jml.utils import revert_sync_bn_in_config

    model_cfg = Config.fromfile(config_path).model
    revert_sync_bn_in_config(model_cfg)
    _disable_pretraining(model_cfg)
    for head in _heads(model_cfg):
        head['num_classes'] = num_classes
    model_cfg['data_preprocessor']['size'] = (size, size)
    return model_cfg


def build_variant(variant: str, model_cfg, teacher_dir: str,
                  teacher_config: Optional[str], num_classes: int,
                  size: int):
    """Build the segmentor of one variant from a copy of ``model_cfg``.

    For ``jml-kd`` the teacher (``teacher_config``, or the student's own
    architecture) is written to ``teacher_dir`` as a config file and a
    freshly initialised checkpoint.
    """
    import copy

    import torch
    from mmengine.config import Config

    from mmseg.registry import MODELS

    spec = variant_losses(variant)
    cfg = copy.deepcopy(model_cfg)
    cfg['type'] = spec['type']
    heads = _heads(cfg)
    heads[0]['loss_decode'] = spec['decode']
    for head in heads[1:]:
        head['loss_decode'] = spec['aux']
    if variant == 'jml-kd':
        teacher_cfg = (
            base_model_config(teacher_config, num_classes, size)
            if teacher_config else copy.deepcopy(model_cfg))
        teacher_cfg['data_preprocessor'] = copy.deepcopy(
            cfg['data_preprocessor'])
        teacher = MODELS.build(teacher_cfg)
        config_file = osp.join(teacher_dir, 'teacher.py')
        Config(dict(model=teacher_cfg)).dump(config_file)
        checkpoint = osp.join(teacher_dir, 'teacher.pth')
        torch.save({'state_dict': teacher.state_dict()}, checkpoint)
        del teacher
        cfg.update(
            teacher_config=config_file,
            teacher_checkpoint=checkpoint,
            temperature=1.0,
            distill_losses=spec['distill'],
            aux_distill_losses=spec['aux_distill'] if len(heads) > 1 else
            None)
    return MODELS.build(cfg)


def make_batch(batch: int, size: int, num_classes: int,
               soft: bool) -> dict:
    """A batch as the data loader hands it to ``train_step``."""
    import torch
    from mmengine.structures import PixelData

    from mmseg.structures import SegDataSample

    generator = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(
            torch.randint(0, 256, (3, size, size), generator=generator,
                          dtype=torch.uint8))
        cells = -(-size // BLOCK)
        blocks = torch.randint(0, num_classes, (cells, cells),
                               generator=generator)
        label = blocks.repeat_interleave(BLOCK, 0).repeat_interleave(
            BLOCK, 1)[:size, :size].contiguous()
        label[:size // 16] = IGNORE_INDEX  # a band of ignored pixels
        meta = dict(
            img_shape=(size, size),
            ori_shape=(size, size),
            pad_shape=(size, size))
        sample = SegDataSample(
            gt_sem_seg=PixelData(data=label[None]), metainfo=meta)
        if soft:
            valid = label != IGNORE_INDEX
            onehot = torch.nn.functional.one_hot(
                torch.where(valid, label, 0), num_classes).permute(2, 0, 1)
            noise = torch.rand(num_classes, size, size, generator=generator)
            probs = 0.7 * onehot + 0.3 * noise / noise.sum(0)
            # float16, as the data sets store soft maps and
            # PackSoftSegInputs hands them to the segmentor
            sample.gt_soft_sem_seg = PixelData(
                data=(probs * valid).half(),
                metainfo=dict(ignore_index=IGNORE_INDEX))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _optim_wrapper(model):
    import torch
    from mmengine.optim import OptimWrapper

    return OptimWrapper(
        torch.optim.SGD(
            model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4))


def _sync(device: str) -> None:
    import torch
    if device == 'cuda':
        torch.cuda.synchronize()


def _timed(fn, device: str, clock: str = 'wall') -> float:
    now = time.process_time if clock == 'process' else time.perf_counter
    _sync(device)
    start = now()
    fn()
    _sync(device)
    return now() - start


def _reset_peak_rss() -> bool:
    """Set the kernel's peak-RSS mark to the current RSS (Linux:
    ``/proc/self/clear_refs``, value 5); False where that is unavailable
    (the peak then counts from the process start)."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        return False
    return True


def _peak_rss_mib() -> float:
    """The process's peak RSS in MiB: ``VmHWM`` of ``/proc/self/status``
    (which :func:`_reset_peak_rss` resets), else ``ru_maxrss``."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args: argparse.Namespace) -> dict:
    """Measure one variant (``args.worker``) in this process."""
    import torch
    torch.set_num_threads(args.threads)
    import mmseg_jml  # noqa: F401  (registers modules, mmcv-lite fixes)
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    torch.manual_seed(0)
    variant = args.worker
    model_cfg = base_model_config(args.model_config, args.num_classes,
                                  args.size)
    data = make_batch(args.batch, args.size, args.num_classes,
                      soft=variant == 'jml-soft')
    with tempfile.TemporaryDirectory() as teacher_dir:
        model = build_variant(variant, model_cfg, teacher_dir,
                              args.teacher_config, args.num_classes,
                              args.size).to(args.device)
    model.train()
    optim = _optim_wrapper(model)

    def step():
        model.train_step(data, optim)

    if args.measure == 'memory':
        if args.device == 'cuda':
            step()  # cuDNN workspaces and lazy state, not counted
            torch.cuda.reset_peak_memory_stats()
            step()
            return dict(peak_mib=torch.cuda.max_memory_allocated() / 2**20)
        _reset_peak_rss()  # forget the build's transients (batch, teacher)
        step()
        step()
        return dict(peak_mib=_peak_rss_mib())

    reference = build_variant('ce', model_cfg, '', None, args.num_classes,
                              args.size).to(args.device)
    reference.load_state_dict(model.state_dict(), strict=False)
    reference.train()
    reference_optim = _optim_wrapper(reference)

    def reference_step():
        reference.train_step(data, reference_optim)

    steps = dict(variant=step, ce=reference_step)
    if variant == 'jml-kd':
        from mmseg_jml.models.segmentors.distill_encoder_decoder import \
            teacher_logits
        teacher = model.teacher
        inputs = model.data_preprocessor(data, True)['inputs']
        with_aux = len(model.aux_distill_losses) > 0

        def teacher_forward():
            # the teacher's network, through every head the losses read
            with torch.no_grad():
                teacher_logits(teacher, teacher.extract_feat(inputs),
                               with_aux)

        steps['teacher_forward'] = teacher_forward
    for _ in range(args.warmup):
        for fn in steps.values():
            fn()
    times = {name: [] for name in steps}
    for _ in range(args.iters):
        for name, fn in steps.items():
            times[name].append(_timed(fn, args.device, args.clock))
    return {f'{name}_ms': 1000 * statistics.median(values)
            for name, values in times.items()}


def _worker_command(args: argparse.Namespace, variant: str,
                    measure: str) -> List[str]:
    cmd = [
        sys.executable,
        osp.abspath(__file__), '--worker', variant, '--measure', measure,
        '--model-config', args.model_config, '--num-classes',
        str(args.num_classes), '--batch',
        str(args.batch), '--size',
        str(args.size), '--iters',
        str(args.iters), '--warmup',
        str(args.warmup), '--threads',
        str(args.threads), '--device', args.device, '--clock', args.clock
    ]
    if args.teacher_config:
        cmd += ['--teacher-config', args.teacher_config]
    return cmd


def run_variant(args: argparse.Namespace, variant: str) -> dict:
    """Both measurements of one variant, each in a fresh process."""
    result = {}
    for measure in ('time', 'memory'):
        env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
        if measure == 'memory' and args.device == 'cpu':
            env['MALLOC_MMAP_THRESHOLD_'] = str(64 * 1024)
        proc = subprocess.run(
            _worker_command(args, variant, measure),
            cwd=_ROOT,
            env=env,
            capture_output=True,
            text=True)
        if proc.returncode != 0:
            raise RuntimeError(f'the {measure} benchmark of {variant} '
                               f'failed:\n{proc.stderr[-4000:]}')
        result.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    return result


def summarize(results: Dict[str, dict]) -> List[dict]:
    """One row per variant: times, ratios to CE, memory, targets."""
    ce_peak = results['ce']['peak_mib'] if 'ce' in results else None
    rows = []
    for variant, res in results.items():
        ratio = res['variant_ms'] / res['ce_ms']
        row = dict(
            variant=variant,
            step_ms=res['variant_ms'],
            ce_ms=res['ce_ms'],
            time_ratio=ratio,
            peak_mib=res['peak_mib'],
            memory_ratio=res['peak_mib'] / ce_peak if ce_peak else None)
        target, met = '', None
        if variant in TIME_TARGETS:
            target = f'time <= {TIME_TARGETS[variant]:.2f} x CE'
            met = ratio <= TIME_TARGETS[variant]
        elif variant == 'jml-kd':
            row['teacher_forward_ms'] = res['teacher_forward_ms']
            overhead = res['variant_ms'] - res['ce_ms']
            row['kd_overhead_in_teacher_forwards'] = (
                overhead / res['teacher_forward_ms'])
            target = 'time - CE <= 1 teacher forward'
            met = overhead <= res['teacher_forward_ms']
        if variant not in ('ce', 'jml-kd') and row['memory_ratio']:
            target += (', ' if target else '') + \
                f'memory <= {MEMORY_TARGET:.2f} x CE'
            met = (met is not False) and (row['memory_ratio'] <=
                                          MEMORY_TARGET)
        row.update(target=target, met=met)
        rows.append(row)
    return rows


def to_markdown(rows: Sequence[dict]) -> str:
    header = ('variant', 'step ms', 'CE step ms (same process)', 'x CE time',
              'peak MiB', 'x CE peak', 'target', 'met')
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' for _ in header) + '|']
    for row in rows:
        target = row['target']
        if 'teacher_forward_ms' in row:
            target += (f' (teacher forward {row["teacher_forward_ms"]:.0f} ms'
                       f', overhead = '
                       f'{row["kd_overhead_in_teacher_forwards"]:.2f} of it)')
        memory = ('' if row['memory_ratio'] is None else
                  f'{row["memory_ratio"]:.3f}')
        met = {None: '', True: 'yes', False: 'no'}[row['met']]
        lines.append(f'| {row["variant"]} | {row["step_ms"]:.0f} | '
                     f'{row["ce_ms"]:.0f} | {row["time_ratio"]:.3f} | '
                     f'{row["peak_mib"]:.0f} | {memory} | {target} | {met} |')
    return '\n'.join(lines)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model-config', default=DEFAULT_MODEL)
    parser.add_argument(
        '--teacher-config',
        default=None,
        help='model config of the KD teacher (default: the student\'s)')
    parser.add_argument('--num-classes', type=int, default=19)
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, default=512)
    parser.add_argument('--iters', type=int, default=7)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument(
        '--clock',
        choices=['wall', 'process'],
        default='wall',
        help='wall time, or the CPU time of the process (all its threads; '
        'robust to other load on a shared CPU machine)')
    parser.add_argument(
        '--variants', nargs='+', choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument('--json', help='also write the rows to this file')
    parser.add_argument('--worker', choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument(
        '--measure', choices=['time', 'memory'], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for name in ('num_classes', 'batch', 'size', 'iters', 'threads'):
        if getattr(args, name) < 1:
            parser.error(f'expected --{name.replace("_", "-")} >= 1, got '
                         f'{getattr(args, name)}')
    if args.warmup < 0:
        parser.error(f'expected --warmup >= 0, got {args.warmup}')
    if 'ce' not in args.variants:
        args.variants = ['ce'] + list(args.variants)
    return args


def main(argv: Optional[Sequence[str]] = None) -> List[dict]:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return []
    results = {}
    for variant in args.variants:
        print(f'benchmarking {variant} ...', file=sys.stderr, flush=True)
        results[variant] = run_variant(args, variant)
    rows = summarize(results)
    print(f'model {args.model_config}, batch {args.batch} x {args.size} x '
          f'{args.size}, {args.num_classes} classes, {args.device}, '
          f'{args.threads} thread(s), {args.clock} clock, median of '
          f'{args.iters} steps after '
          f'{args.warmup} warm-up')
    print(to_markdown(rows))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)
    return rows


if __name__ == '__main__':
    main()
