"""Export the teacher or the student of a semi-supervised checkpoint as a
plain EncoderDecoder checkpoint, with a config to evaluate it.

Usage::

    python tools/ssl/export_checkpoint.py CONFIG CHECKPOINT OUT_DIR
        [--branch {teacher,student}]

Writes ``OUT_DIR/<branch>.pth`` (``state_dict`` + ``meta``) and
``OUT_DIR/<branch>_config.py`` (the config with a plain ``EncoderDecoder``
model, no mean-teacher hook, MMSeg's validation loop), so that
``python tools/test.py OUT_DIR/<branch>_config.py OUT_DIR/<branch>.pth``
evaluates it.
"""
import argparse
import os
import os.path as osp

import torch
from mmengine.config import Config

import mmseg_jml  # noqa: F401
from mmseg_jml.models.segmentors.semi_encoder_decoder import (
    plain_model_config, plain_state_dict)


def export(config: str, checkpoint: str, out_dir: str,
           branch: str = 'teacher') -> tuple:
    """Write the plain checkpoint and config; returns their paths."""
    cfg = Config.fromfile(config)
    cfg.model = plain_model_config(cfg.model.to_dict())
    cfg.custom_hooks = [
        hook for hook in cfg.get('custom_hooks', [])
        if hook.get('type') != 'MeanTeacherHook'
    ]
    if cfg.get('val_cfg', {}).get('type') == 'TeacherStudentValLoop':
        cfg.val_cfg = dict(type='ValLoop')
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)
    state = state.get('state_dict', state)
    os.makedirs(out_dir, exist_ok=True)
    ckpt_path = osp.join(out_dir, f'{branch}.pth')
    cfg_path = osp.join(out_dir, f'{branch}_config.py')
    torch.save(
        dict(
            state_dict=plain_state_dict(state, branch),
            meta=dict(source=osp.abspath(checkpoint), branch=branch)),
        ckpt_path)
    cfg.dump(cfg_path)
    return ckpt_path, cfg_path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out_dir')
    parser.add_argument(
        '--branch', choices=['teacher', 'student'], default='teacher')
    args = parser.parse_args(argv)
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            parser.error(f'file not found: {path}')
    ckpt_path, cfg_path = export(args.config, args.checkpoint, args.out_dir,
                                 args.branch)
    print(f'wrote {ckpt_path} and {cfg_path}')


if __name__ == '__main__':
    main()
