"""Count the parameters of the paper's 13 models beside its Table 9.

Usage::

    python tools/analysis_tools/count_params.py [--models KEY ...]
        [--tolerance PCT]

Builds every model of the Jaccard metric loss paper (Wang et al., NeurIPS
2023, Appendix A, Table 9) on the CPU from its model config, without
pretrained weights and without network access, and prints a markdown
table::

    model | backbone | classes | backbone (M) | head (M) | aux (M) |
    ours (M) | paper (M) | diff % | flag

``ours`` is every parameter of the segmentor: backbone, decode head and
auxiliary head (the official segmentor builds its auxiliary branch for every
model, SegFormer included, and Table 9 counts it). A difference over the
tolerance (default 0.5%) is flagged.

The models are the paper configs' model bases (configs/_base_/models), which
follow the official code: timm ``resnet*d`` / ``mobilenetv2_100`` encoders,
ASPP / PPM / UNet decoders, SegFormer heads of 512 channels, auxiliary heads
on the stride-16 stage (stage 3 for MiT). Every row is counted with 19
classes (Cityscapes): Table 9 does not name a data set, and its SegFormer
rows match with 19 classes, not with ADE20K's 150 (the two classifiers of
512 + 256 inputs differ by 0.1M); the other rows change by less than 0.01M.
"""
import argparse
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, NamedTuple, Optional, Sequence

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class PaperModel(NamedTuple):
    """One row of the paper's Table 9 and the config that builds it."""
    method: str
    backbone: str
    config: str  # repo-relative path, or 'mmseg::...'
    num_classes: int
    paper_params_m: float


#: The 13 models of Table 9, keyed by the names ``--models`` accepts.
PAPER_MODELS: Dict[str, PaperModel] = OrderedDict([
    ('deeplabv3plus-r101',
     PaperModel('DeepLabV3+', 'ResNet101',
                'configs/_base_/models/deeplabv3plus_r101-d8.py', 19,
                62.58)),
    ('deeplabv3-r101',
     PaperModel('DeepLabV3', 'ResNet101',
                'configs/_base_/models/deeplabv3_r101-d8.py', 19, 87.10)),
    ('deeplabv3-r50',
     PaperModel('DeepLabV3', 'ResNet50',
                'configs/_base_/models/deeplabv3_r50-d8.py', 19, 68.11)),
    ('deeplabv3-r18',
     PaperModel('DeepLabV3', 'ResNet18',
                'configs/_base_/models/deeplabv3_r18-d8.py', 19, 13.98)),
    ('deeplabv3-mv2',
     PaperModel('DeepLabV3', 'MobileNetV2',
                'configs/_base_/models/deeplabv3_m-v2-d8.py', 19, 3.79)),
    ('pspnet-r18',
     PaperModel('PSPNet', 'ResNet18',
                'configs/_base_/models/pspnet_r18-d8.py', 19, 12.79)),
    ('unet-r50',
     PaperModel('UNet', 'ResNet50', 'configs/_base_/models/unet-head_r50.py',
                19, 76.07)),
    ('unet-r18',
     PaperModel('UNet', 'ResNet18', 'configs/_base_/models/unet-head_r18.py',
                19, 14.49)),
    ('unet-mv2',
     PaperModel('UNet', 'MobileNetV2',
                'configs/_base_/models/unet-head_m-v2.py', 19, 4.06)),
    ('segformer-b5',
     PaperModel('SegFormer', 'MiT-B5',
                'configs/_base_/models/segformer_mit-b5.py', 19, 83.77)),
    ('segformer-b3',
     PaperModel('SegFormer', 'MiT-B3',
                'configs/_base_/models/segformer_mit-b3.py', 19, 46.40)),
    ('segformer-b1',
     PaperModel('SegFormer', 'MiT-B1',
                'configs/_base_/models/segformer_mit-b1.py', 19, 15.48)),
    ('segformer-b0',
     PaperModel('SegFormer', 'MiT-B0',
                'configs/_base_/models/segformer_mit-b0.py', 19, 5.01)),
])


def load_model_config(key: str):
    """Load the model config of a paper model, ready to build on the CPU.

    The class count is set on the decode and auxiliary heads, pretrained
    weights are switched off (nothing is downloaded) and ``SyncBN`` becomes
    ``BN`` (same parameters, builds anywhere).

    Args:
        key (str): A key of :data:`PAPER_MODELS`.

    Returns:
        mmengine.config.ConfigDict: The ``model`` section.

    Raises:
        KeyError: If ``key`` is not a paper model.
    """
    from mmengine.config import Config

    from mmseg_jml.utils.runtime import revert_sync_bn_in_config
    if key not in PAPER_MODELS:
        raise KeyError(f'expected one of {list(PAPER_MODELS)}, got {key!r}')
    entry = PAPER_MODELS[key]
    if '::' in entry.config:
        cfg = Config.fromstring(f'_base_ = {entry.config!r}\n', '.py')
    else:
        cfg = Config.fromfile(osp.join(REPO_ROOT, entry.config))
    model = cfg.model
    model.pretrained = None
    model.backbone.pop('init_cfg', None)
    if model.backbone.get('pretrained') is not None:
        model.backbone.pretrained = False
    for head in ('decode_head', 'auxiliary_head'):
        if model.get(head) is not None:
            model[head].num_classes = entry.num_classes
    revert_sync_bn_in_config(model)
    return model


def _numel(module) -> int:
    return 0 if module is None else sum(
        p.numel() for p in module.parameters())


def count_model_params(key: str) -> Dict[str, object]:
    """Build one paper model on the CPU and count its parameters.

    Args:
        key (str): A key of :data:`PAPER_MODELS`.

    Returns:
        dict: ``key``, ``method``, ``backbone``, ``num_classes``,
        ``backbone_params``, ``head_params``, ``aux_params``, ``total``
        (all parameters of the segmentor), ``paper`` (Table 9, in
        parameters) and ``diff_pct`` (``100 * (total - paper) / paper``).
    """
    import mmseg_jml  # noqa: F401  (registers UNetHead, mmcv.ops fallback)
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    entry = PAPER_MODELS[key]
    model = MODELS.build(load_model_config(key))
    total = _numel(model)
    paper = round(entry.paper_params_m * 1e6)
    return dict(
        key=key,
        method=entry.method,
        backbone=entry.backbone,
        num_classes=entry.num_classes,
        backbone_params=_numel(model.backbone),
        head_params=_numel(model.decode_head),
        aux_params=_numel(getattr(model, 'auxiliary_head', None)),
        total=total,
        paper=paper,
        diff_pct=100.0 * (total - paper) / paper)


def format_table(rows: Sequence[Dict[str, object]],
                 tolerance: float = 0.5) -> str:
    """Format counted models as a markdown table.

    Args:
        rows (Sequence[dict]): Outputs of :func:`count_model_params`.
        tolerance (float): Flag rows whose ``|diff %|`` exceeds this.
            Defaults to 0.5.

    Returns:
        str: The table, one line per model after the header.
    """
    lines = [
        '| model | backbone | classes | backbone (M) | head (M) | aux (M) | '
        'ours (M) | paper (M) | diff % | flag |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    for r in rows:
        flag = f'> {tolerance:g}%' if abs(r['diff_pct']) > tolerance else ''
        lines.append(f"| {r['method']} | {r['backbone']} | "
                     f"{r['num_classes']} | {r['backbone_params'] / 1e6:.2f} "
                     f"| {r['head_params'] / 1e6:.2f} | "
                     f"{r['aux_params'] / 1e6:.2f} | "
                     f"{r['total'] / 1e6:.2f} | {r['paper'] / 1e6:.2f} | "
                     f"{r['diff_pct']:+.2f} | {flag} |")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> List[Dict[str, object]]:
    """Count the selected models and print the table.

    Args:
        argv (list[str], optional): Command-line arguments; None reads
            ``sys.argv``. Defaults to None.

    Returns:
        list[dict]: The rows, as :func:`count_model_params` returns them.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--models',
        nargs='+',
        choices=list(PAPER_MODELS),
        default=list(PAPER_MODELS),
        metavar='KEY',
        help=f'models to count (default: all of {list(PAPER_MODELS)})')
    parser.add_argument(
        '--tolerance',
        type=float,
        default=0.5,
        help='flag differences over this many percent (default 0.5)')
    args = parser.parse_args(argv)
    if args.tolerance < 0:
        parser.error(f'expected --tolerance >= 0, got {args.tolerance}')
    import torch
    torch.set_num_threads(1)
    rows = [count_model_params(key) for key in args.models]
    print(format_table(rows, args.tolerance))
    return rows


if __name__ == '__main__':
    main()
