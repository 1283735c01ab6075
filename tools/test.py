"""Test (and evaluate) a checkpoint; MMSeg's ``tools/test.py`` interface.

Usage::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
        [--show] [--show-dir DIR] [--wait-time S] [--cfg-options ...]
        [--launcher {none,pytorch,slurm,mpi}] [--tta] [--threads N]
"""
import argparse
import gc
import os
import os.path as osp
import zipfile

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmseg_jml  # noqa: F401  (registers modules, mmcv-lite and torch fixes)
from mmseg_jml.utils.runtime import (adapt_config_to_device,
                                     destroy_cpu_process_group,
                                     init_cpu_process_group,
                                     set_cpu_threads)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='MMSeg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help=('if specified, the evaluation metric results will be dumped'
              'into the directory as json'))
    parser.add_argument(
        '--out',
        type=str,
        help='The directory to save output prediction for offline evaluation')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved. '
        'If specified, it will be automatically saved '
        'to the work_dir/timestamp/show_dir')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation')
    parser.add_argument(
        '--threads',
        type=int,
        help='fix the number of CPU threads of torch (results on the CPU '
        'depend on it; default: torch\'s choice, OMP_NUM_THREADS if set)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        parser.error(f'config file not found: {args.config}')
    if args.threads is not None and args.threads < 1:
        parser.error(f'expected --threads >= 1, got {args.threads}')
    if not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint file not found: {args.checkpoint}')
    if not zipfile.is_zipfile(args.checkpoint):
        parser.error(f'checkpoint file is not a PyTorch checkpoint (corrupt '
                     f'or truncated?): {args.checkpoint}')
    return args


def trigger_visualization_hook(cfg: Config,
                               args: argparse.Namespace) -> Config:
    default_hooks = cfg.default_hooks
    if 'visualization' in default_hooks:
        visualization_hook = default_hooks['visualization']
        visualization_hook['draw'] = True
        if args.show:
            visualization_hook['show'] = True
            visualization_hook['wait_time'] = args.wait_time
        if args.show_dir:
            visualizer = cfg.visualizer
            visualizer['save_dir'] = args.show_dir
    else:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks. '
            'refer to usage '
            '"visualization=dict(type=\'VisualizationHook\')"')
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads is not None:
        set_cpu_threads(args.threads)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model

    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True

    adapt_config_to_device(cfg, args.launcher)
    created_group = init_cpu_process_group(args.launcher, cfg)

    runner = Runner.from_cfg(cfg)
    runner.test()
    # Release the model (and DDP's hold on the group) before the group.
    del runner
    gc.collect()
    destroy_cpu_process_group(created_group)


if __name__ == '__main__':
    main()
