"""Convert AugSeg's ImageNet ResNet (deep stem) to MMSeg ``ResNetV1c`` keys.

AugSeg (github ZhenZHAO/AugSeg, ``augseg/models/resnet.py``) builds its
ResNet with a 64-64-128 deep stem and loads ``pretrained/resnet101.pth``
(the CPS / U2PL / UniMatch deep-stem ImageNet weights). MMSeg's
``ResNetV1c(stem_channels=128)`` is the same network under other names:

====================================  =====================================
AugSeg                                MMSeg ``ResNetV1c``
====================================  =====================================
``conv1.0`` (3x3/2, 3 -> 64)          ``stem.0``
``conv1.1`` (BN 64)                   ``stem.1``
``conv1.3`` (3x3, 64 -> 64)           ``stem.3``
``conv1.4`` (BN 64)                   ``stem.4``
``conv1.6`` (3x3, 64 -> 128)          ``stem.6``
``bn1`` (BN 128)                      ``stem.7``
``layer{1..4}.*`` (``conv1..3``,      unchanged (stride in the 3x3 conv,
``bn1..3``, ``downsample.{0,1}``)     1x1 downsample + BN in both)
``fc.*`` (ImageNet classifier)        dropped
====================================  =====================================

Get the checkpoint (AugSeg's README, "Prepare pre-trained encoder",
ResNet-101: https://drive.google.com/file/d/1Rx0legsMolCWENpfvE2jUScT3ogalMO8
), then::

    python tools/ssl/convert_augseg_resnet.py resnet101.pth \\
        pretrained/resnet101_deepstem_augseg_mmseg.pth

The output (``state_dict`` + ``meta``) is what ``configs/ssl`` load as
``model.backbone.init_cfg.checkpoint``. Before writing, the converted
weights are loaded strictly into a freshly built ``ResNetV1c`` of the
detected depth and stem width, so a file that does not fit is never
written.
"""
import argparse
import os
import os.path as osp
import re
from typing import Dict, List, Tuple

import torch
from torch import Tensor

#: AugSeg's stem module index -> MMSeg's (``bn1`` is MMSeg's ``stem.7``).
STEM_INDICES = {0: 0, 1: 1, 3: 3, 4: 4, 6: 6}
#: blocks per stage -> ResNet depth (Bottleneck ResNets).
DEPTHS = {(3, 4, 6, 3): 50, (3, 4, 23, 3): 101, (3, 8, 36, 3): 152}
_STEM = re.compile(r'^conv1\.(\d+)\.(.+)$')
_LAYER = re.compile(r'^layer([1-4])\.(\d+)\.')


def _strip_wrappers(checkpoint: Dict) -> Dict[str, Tensor]:
    """The tensors of a plain, ``state_dict``-wrapped or DDP-prefixed
    checkpoint."""
    if not isinstance(checkpoint, dict):
        raise TypeError(f'expected a checkpoint dict, got '
                        f'{type(checkpoint).__name__}')
    state = checkpoint.get('state_dict', checkpoint)
    return {
        key[len('module.'):] if key.startswith('module.') else key: value
        for key, value in state.items()
    }


def convert_key(key: str) -> str:
    """MMSeg ``ResNetV1c`` name of one AugSeg ResNet key.

    Args:
        key (str): An AugSeg backbone key (``conv1.*``, ``bn1.*`` or
            ``layer{1..4}.*``).

    Returns:
        str: The MMSeg key.

    Raises:
        ValueError: On a key that has no MMSeg counterpart.
    """
    match = _STEM.match(key)
    if match and int(match[1]) in STEM_INDICES:
        return f'stem.{STEM_INDICES[int(match[1])]}.{match[2]}'
    if key.startswith('bn1.'):
        return 'stem.7.' + key[len('bn1.'):]
    if _LAYER.match(key):
        return key
    raise ValueError(f'expected an AugSeg ResNet key (conv1.<0|1|3|4|6>.*, '
                     f'bn1.*, layer<1-4>.*), got {key!r}')


def convert(state_dict: Dict[str, Tensor]
            ) -> Tuple[Dict[str, Tensor], List[str]]:
    """Rename an AugSeg ResNet state dict to MMSeg ``ResNetV1c`` keys.

    Args:
        state_dict (dict[str, Tensor]): AugSeg's ResNet weights (a
            ``state_dict`` wrapper and ``module.`` prefixes are accepted).

    Returns:
        tuple[dict[str, Tensor], list[str]]: The converted weights and the
        dropped ImageNet classifier keys (``fc.*``).

    Raises:
        ValueError: On a key that has no MMSeg counterpart.
    """
    converted: Dict[str, Tensor] = {}
    dropped: List[str] = []
    for key, value in _strip_wrappers(state_dict).items():
        if key.startswith('fc.'):
            dropped.append(key)
            continue
        converted[convert_key(key)] = value
    return converted, dropped


def detect_architecture(converted: Dict[str, Tensor]) -> Tuple[int, int]:
    """Depth and stem width of converted weights.

    Args:
        converted (dict[str, Tensor]): Output of :func:`convert`.

    Returns:
        tuple[int, int]: ``(depth, stem_channels)``.

    Raises:
        ValueError: If the block counts are not those of a Bottleneck
            ResNet-50/101/152 or the stem is missing.
    """
    blocks = tuple(
        len({m[2] for m in map(_LAYER.match, converted) if m and m[1] == s})
        for s in '1234')
    if blocks not in DEPTHS:
        raise ValueError(f'expected the blocks per stage of a ResNet-50/101/'
                         f'152 {sorted(DEPTHS)}, got {blocks}')
    if 'stem.7.weight' not in converted:
        raise ValueError("expected a deep stem (AugSeg's bn1), got none")
    return DEPTHS[blocks], int(converted['stem.7.weight'].shape[0])


def verify(converted: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Load the weights strictly into a fresh MMSeg ``ResNetV1c``.

    BN ``num_batches_tracked`` counters that old checkpoints lack are filled
    with zeros (they do not affect the network).

    Args:
        converted (dict[str, Tensor]): Output of :func:`convert`.

    Returns:
        dict[str, Tensor]: The weights, completed with the counters.

    Raises:
        ValueError: If the weights do not load strictly (missing or
            unexpected keys, wrong shapes).
    """
    from mmseg.models.backbones import ResNetV1c

    depth, stem_channels = detect_architecture(converted)
    backbone = ResNetV1c(depth=depth, stem_channels=stem_channels)
    completed = dict(converted)
    for key, value in backbone.state_dict().items():
        if key.endswith('num_batches_tracked') and key not in completed:
            completed[key] = torch.zeros_like(value)
    try:
        backbone.load_state_dict(completed, strict=True)
    except RuntimeError as error:
        raise ValueError(f'expected weights of ResNetV1c(depth={depth}, '
                         f'stem_channels={stem_channels}), got: '
                         f'{error}') from error
    return completed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="AugSeg's ResNet checkpoint")
    parser.add_argument('dst', help='MMSeg checkpoint to write')
    args = parser.parse_args(argv)
    if not osp.isfile(args.src):
        parser.error(f'file not found: {args.src}')
    source = torch.load(args.src, map_location='cpu', weights_only=True)
    converted, dropped = convert(source)
    depth, stem_channels = detect_architecture(converted)
    weights = verify(converted)
    if osp.dirname(args.dst):
        os.makedirs(osp.dirname(args.dst), exist_ok=True)
    torch.save(
        dict(
            state_dict=weights,
            meta=dict(
                source=osp.basename(args.src),
                converter='tools/ssl/convert_augseg_resnet.py',
                architecture=f'ResNetV1c(depth={depth}, '
                f'stem_channels={stem_channels})')), args.dst)
    print(f'wrote {args.dst}: {len(converted)} tensors of '
          f'ResNetV1c(depth={depth}, stem_channels={stem_channels}); '
          f'dropped {len(dropped)} classifier keys {dropped}')


if __name__ == '__main__':
    main()
