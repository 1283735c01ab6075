"""Train a segmentor; MMSeg's ``tools/train.py`` interface, CPU-aware.

Usage::

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm,mpi}]
        [--threads N]

Without a GPU, ``--amp`` trains in bfloat16 autocast on the CPU
(``CPUAmpOptimWrapper``); ``--threads`` fixes torch's CPU thread count,
which CPU results depend on (same count, same machine type: same numbers).
"""
import argparse
import gc
import logging
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmseg_jml  # noqa: F401  (registers modules, mmcv-lite and torch fixes)
from mmseg.registry import RUNNERS
from mmseg_jml.utils.runtime import (adapt_config_to_device,
                                     destroy_cpu_process_group,
                                     init_cpu_process_group,
                                     set_cpu_threads)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--threads',
        type=int,
        help='fix the number of CPU threads of torch (results on the CPU '
        'depend on it; default: torch\'s choice, OMP_NUM_THREADS if set)')
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        parser.error(f'config file not found: {args.config}')
    if args.threads is not None and args.threads < 1:
        parser.error(f'expected --threads >= 1, got {args.threads}')
    return args


def setup_config(args: argparse.Namespace) -> Config:
    """Load the config and apply the command line to it."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir priority: CLI > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            if optim_wrapper != 'OptimWrapper':
                sys.exit(f'--amp is only supported with OptimWrapper, got '
                         f'{optim_wrapper}')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    cfg.resume = args.resume
    adapt_config_to_device(cfg, args.launcher)
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads is not None:
        set_cpu_threads(args.threads)
    cfg = setup_config(args)
    created_group = init_cpu_process_group(args.launcher, cfg)

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()
    # Release the model (and DDP's hold on the group) before the group.
    del runner
    gc.collect()
    destroy_cpu_process_group(created_group)


if __name__ == '__main__':
    main()
