"""Run MMSeg configs on machines without a GPU.

MMSeg's configs assume CUDA: ``SyncBN`` in ``norm_cfg``, the ``nccl``
backend, and ``MMDistributedDataParallel(device_ids=[LOCAL_RANK])``. These
helpers adapt a loaded :class:`~mmengine.config.Config` in place before the
Runner is built, and log every change they make.
"""
import os
from datetime import timedelta
from typing import Any, List

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


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
    ``BN`` (SyncBN has no CPU kernel), and a distributed launch uses the
    ``gloo`` backend and wraps the model in ``MMDistributedDataParallel``
    with ``device_ids=None``.

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
    for note in notes:
        print_log(note, logger='current')
    return notes


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
