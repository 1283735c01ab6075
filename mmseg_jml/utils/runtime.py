"""Run MMSeg configs on machines without a GPU.

MMSeg's configs assume CUDA: ``SyncBN`` in ``norm_cfg``, the ``nccl``
backend, ``MMDistributedDataParallel(device_ids=[LOCAL_RANK])`` and
``AmpOptimWrapper`` for mixed precision. These helpers adapt a loaded
:class:`~mmengine.config.Config` in place before the Runner is built, and
log every change they make. :class:`CPUAmpOptimWrapper` is the mixed
precision of the CPU (bfloat16 autocast), and :func:`set_cpu_threads` fixes
torch's thread count, which CPU results depend on.
"""
import os
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Iterator, List, Literal, Optional

import torch
import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS
from torch.optim import Optimizer


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision training on the CPU: the forward pass (and the loss)
    runs under ``torch.autocast('cpu', dtype=torch.bfloat16)``.

    MMEngine's ``AmpOptimWrapper`` refuses to run without a GPU (NPU, MLU,
    MUSA). On the CPU, autocast computes convolutions and matrix products in
    bfloat16 and keeps the parameters, the gradients and the optimizer
    state in float32. bfloat16 has the exponent range of float32, so no
    loss scaling is needed (and none is done). Losses stay float32: torch's
    CPU autocast runs ``cross_entropy``/``nll_loss`` in float32, and the
    Jaccard/Dice metric losses of this package disable autocast and
    compute in float32. ``tools/train.py --amp`` and
    :func:`adapt_config_to_device` select this wrapper when no GPU is
    present.

    Args:
        optimizer (Optimizer): The optimizer.
        dtype (str): The autocast dtype; only ``'bfloat16'`` (CPU autocast
            in float16 would need loss scaling). Defaults to
            ``'bfloat16'``.
        accumulative_counts (int): Gradient accumulation steps, as in
            :class:`~mmengine.optim.OptimWrapper`. Defaults to 1.
        clip_grad (dict, optional): Gradient clipping, as in
            :class:`~mmengine.optim.OptimWrapper`. Defaults to None.
    """

    def __init__(self,
                 optimizer: Optimizer,
                 dtype: Literal['bfloat16'] = 'bfloat16',
                 accumulative_counts: int = 1,
                 clip_grad: Optional[dict] = None) -> None:
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError(f"expected dtype 'bfloat16' for CPU mixed "
                             f'precision, got {dtype!r}')
        super().__init__(
            optimizer,
            accumulative_counts=accumulative_counts,
            clip_grad=clip_grad)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """The parent's context (gradient accumulation) under bfloat16 CPU
        autocast.

        Raises:
            ValueError: If the model has parameters on another device than
                the CPU (use ``AmpOptimWrapper`` there).
        """
        device = next((p.device for p in model.parameters()), None)
        if device is not None and device.type != 'cpu':
            raise ValueError(f'expected a model on the CPU for '
                             f'CPUAmpOptimWrapper, got parameters on '
                             f'{device}; use AmpOptimWrapper on a GPU')
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield


def set_cpu_threads(num_threads: int) -> None:
    """Fix torch's number of CPU (intra-op) threads.

    Reductions and oneDNN kernels split their work by thread, so float
    results (and a model trained on them) change with the thread count;
    the same count (and the same CPU instruction set) reproduces a run to
    the last digit. The environment variables ``OMP_NUM_THREADS`` and
    ``MKL_NUM_THREADS`` are set too, for processes started from here.

    Args:
        num_threads (int): The number of threads, >= 1.

    Raises:
        ValueError: If ``num_threads`` is not a positive int.
    """
    if (not isinstance(num_threads, int) or isinstance(num_threads, bool)
            or num_threads < 1):
        raise ValueError(f'expected a positive number of threads, got '
                         f'{num_threads!r}')
    torch.set_num_threads(num_threads)
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[name] = str(num_threads)


def revert_sync_bn_in_config(node: Any) -> int:
    """Replace ``SyncBN`` by ``BN`` in every ``norm_cfg`` of a config tree.

    Args:
        node: A config, dict, list or leaf value; changed in place.

    Returns:
        int: The number of ``norm_cfg`` entries changed.
    """
    changed = 0
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
            changed += 1
        for value in node.values():
            changed += revert_sync_bn_in_config(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            changed += revert_sync_bn_in_config(value)
    return changed


def adapt_config_to_device(cfg: Config, launcher: str) -> List[str]:
    """Make a CUDA-oriented MMSeg config run where no GPU is present.

    On a machine with CUDA nothing changes. Without CUDA: ``SyncBN`` becomes
    ``BN`` (SyncBN has no CPU kernel), a distributed launch uses the
    ``gloo`` backend and wraps the model in ``MMDistributedDataParallel``
    with ``device_ids=None``, and on the CPU (no NPU, MLU or MUSA either)
    an ``AmpOptimWrapper`` (e.g. from ``--amp``) becomes
    :class:`CPUAmpOptimWrapper`: bfloat16 autocast, without its
    ``loss_scale``, ``dtype`` and ``use_fsdp`` arguments.

    Args:
        cfg (Config): The loaded config; changed in place.
        launcher (str): The job launcher (``'none'``, ``'pytorch'``,
            ``'slurm'`` or ``'mpi'``).

    Returns:
        list[str]: Human-readable notes of what was changed (also logged).
    """
    if torch.cuda.is_available():
        return []
    notes = []
    reverted = revert_sync_bn_in_config(cfg.get('model'))
    if reverted:
        notes.append(f'no GPU: reverted {reverted} SyncBN layer config(s) '
                     f'to BN')
    if launcher != 'none':
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        if cfg.env_cfg.dist_cfg.get('backend') != 'gloo':
            cfg.env_cfg.dist_cfg.backend = 'gloo'
            notes.append('no GPU: distributed backend set to gloo')
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                device_ids=None,
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters',
                                               False))
            notes.append('no GPU: MMDistributedDataParallel(device_ids=None)')
    notes += _amp_to_cpu(cfg)
    for note in notes:
        print_log(note, logger='current')
    return notes


def _amp_to_cpu(cfg: Config) -> List[str]:
    """Replace an ``AmpOptimWrapper`` by :class:`CPUAmpOptimWrapper` when
    training runs on the CPU."""
    optim_wrapper = cfg.get('optim_wrapper')
    if (not isinstance(optim_wrapper, dict)
            or optim_wrapper.get('type') != 'AmpOptimWrapper'
            or get_device() != 'cpu'):
        return []
    dropped = [
        f'{key}={optim_wrapper.pop(key)!r}'
        for key in ('loss_scale', 'dtype', 'use_fsdp') if key in optim_wrapper
    ]
    optim_wrapper['type'] = 'CPUAmpOptimWrapper'
    note = ('no GPU: mixed precision runs as bfloat16 autocast on the CPU '
            '(AmpOptimWrapper -> CPUAmpOptimWrapper')
    return [note + (f'; dropped {", ".join(dropped)})' if dropped else ')')]


def init_cpu_process_group(launcher: str, cfg: Config) -> bool:
    """Create the gloo process group for a CPU ``pytorch`` launch.

    MMEngine's ``init_dist`` calls ``torch.cuda.set_device``, which fails
    without a GPU. The Runner skips its own initialisation when a process
    group exists, so creating it here is enough.

    Args:
        launcher (str): The job launcher.
        cfg (Config): The config; its ``env_cfg.dist_cfg.timeout`` (seconds)
            is honoured.

    Returns:
        bool: True if a process group was created here.
    """
    if (launcher != 'pytorch' or torch.cuda.is_available()
            or torch_dist.is_initialized()):
        return False
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
    kwargs = {}
    if dist_cfg.get('timeout') is not None:
        kwargs['timeout'] = timedelta(seconds=dist_cfg['timeout'])
    torch_dist.init_process_group(
        backend='gloo',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)
    return True


def destroy_cpu_process_group(created: bool) -> None:
    """Tear down the gloo group that :func:`init_cpu_process_group` created.

    Call it after the Runner is released. A gloo group left to interpreter
    finalization can abort a process whose work has finished (``SIGABRT``,
    "terminate called without an active exception"): gloo's worker threads
    still hold tensors whose destruction needs the interpreter. A barrier
    first, so that no rank tears down while another still communicates.

    Args:
        created (bool): What :func:`init_cpu_process_group` returned; a
            group this module did not create is left alone.
    """
    if created and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
