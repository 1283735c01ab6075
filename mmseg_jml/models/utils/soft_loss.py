"""Decode-head losses with soft targets, shared by the soft-label segmentors.

MMSeg's :meth:`BaseDecodeHead.loss_by_feat` calls every loss with the hard
(N, H, W) label map. :func:`head_losses` does the same computation (logits
resized to the label size, optional pixel sampler, losses accumulated by
``loss_name``, ``acc_seg`` on the hard label) but gives a soft (N, C, H, W)
target to the losses that accept one (:func:`accepts_soft_target`) and the
hard label to the others (e.g. MMSeg's ``CrossEntropyLoss``). It is split in
two steps, :func:`resize_to_labels` and :func:`label_size_losses`, so that a
segmentor with more losses on the same head (distillation) resizes the
logits once and shares them.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor, nn

from ..losses import (JaccardMetricLoss, KLDivergenceLoss,
                      SoftCrossEntropyLoss)

__all__ = [
    'LossConfigs', 'SOFT_TARGET_LOSSES', 'accepts_soft_target',
    'build_named_losses', 'check_soft_label_head',
    'check_soft_ignore_index', 'head_loss_modules', 'loss_heads',
    'stack_labels',
    'stack_soft_targets', 'resize_to_labels', 'label_size_losses',
    'head_losses'
]

#: Loss classes of this package that take (N, C, H, W) float targets (the
#: kind of target is decided by its shape). ``DiceMetricLoss`` is a
#: ``JaccardMetricLoss``.
SOFT_TARGET_LOSSES = (JaccardMetricLoss, SoftCrossEntropyLoss,
                      KLDivergenceLoss)

#: One loss config or a list of them, as MMSeg's ``loss_decode``.
LossConfigs = Union[ConfigType, Sequence[ConfigType]]


def build_named_losses(configs: Optional[LossConfigs], name: str,
                       reason: str) -> nn.ModuleList:
    """Build a segmentor's extra loss group (distillation, unlabelled
    terms) and check what every such group needs: a ``loss_name`` starting
    with ``loss_`` (MMSeg back-propagates only those) and no parameters or
    persistent buffers.

    Args:
        configs (dict | list[dict] | None): The loss config(s); ``None`` is
            an empty group.
        name (str): The group's argument name, for error messages.
        reason (str): Why the group must hold no state, for error messages.

    Returns:
        nn.ModuleList: The built losses.

    Raises:
        TypeError: If ``configs`` is neither a dict nor a list of dicts.
        ValueError: If a loss has no ``loss_`` name or holds state.
    """
    if configs is None:
        configs = []
    elif isinstance(configs, dict):
        configs = [configs]
    elif not (isinstance(configs, (list, tuple))
              and all(isinstance(item, dict) for item in configs)):
        raise TypeError(f'expected {name} to be a loss config dict or a '
                        f'list of them, got {type(configs).__name__}')
    losses = nn.ModuleList(MODELS.build(cfg) for cfg in configs)
    for loss in losses:
        kind = type(loss).__name__
        loss_name = getattr(loss, 'loss_name', None)
        if not isinstance(loss_name, str) or not loss_name.startswith('loss_'):
            raise ValueError(
                f"expected every loss in {name} to have a loss_name "
                f"starting with 'loss_' (MMSeg back-propagates only "
                f"those), got {loss_name!r} for {kind}")
        if len(loss.state_dict()) > 0:
            raise ValueError(
                f'expected losses in {name} without parameters or '
                f'persistent buffers ({reason}), got {kind} with '
                f'{sorted(loss.state_dict())}')
    return losses


#: Name of the data-sample field holding the soft label map.
SOFT_FIELD = 'gt_soft_sem_seg'


def accepts_soft_target(loss: nn.Module) -> bool:
    """Whether a loss module is given soft targets by :func:`head_losses`.

    A loss declares it with a boolean class (or instance) attribute
    ``accepts_soft_target``; without one, the losses of
    :data:`SOFT_TARGET_LOSSES` (and their subclasses) accept soft targets
    and every other loss gets the hard label map.

    Args:
        loss (nn.Module): A loss module of a decode head.

    Returns:
        bool: True if the loss is called with the soft target.

    Raises:
        TypeError: If ``accepts_soft_target`` is set but not a bool.
    """
    flag = getattr(loss, 'accepts_soft_target', None)
    if flag is None:
        return isinstance(loss, SOFT_TARGET_LOSSES)
    if not isinstance(flag, bool):
        raise TypeError(f'expected {type(loss).__name__}.accepts_soft_target '
                        f'to be a bool, got {type(flag).__name__}')
    return flag


def head_loss_modules(head: BaseDecodeHead) -> Sequence[nn.Module]:
    """The loss modules of a decode head, as a sequence."""
    if isinstance(head.loss_decode, nn.ModuleList):
        return list(head.loss_decode)
    return [head.loss_decode]


def loss_heads(segmentor: EncoderDecoder) -> List[Tuple[str, nn.Module]]:
    """A segmentor's (loss prefix, head) pairs, with MMSeg's prefixes.

    Args:
        segmentor (EncoderDecoder): The segmentor.

    Returns:
        list[tuple[str, nn.Module]]: ``('decode', decode_head)`` then
        ``('aux', auxiliary_head)`` or ``('aux_<i>', auxiliary_head[i])``.
    """
    heads = [('decode', segmentor.decode_head)]
    if segmentor.with_auxiliary_head:
        if isinstance(segmentor.auxiliary_head, nn.ModuleList):
            heads += [(f'aux_{index}', head)
                      for index, head in enumerate(segmentor.auxiliary_head)]
        else:
            heads.append(('aux', segmentor.auxiliary_head))
    return heads


def check_soft_label_head(head: nn.Module) -> None:
    """Check that a head computes its losses the way :func:`head_losses`
    reproduces: MMSeg's ``BaseDecodeHead.loss`` and ``loss_by_feat``.

    Args:
        head (nn.Module): A decode or auxiliary head.

    Raises:
        TypeError: If the head is not a ``BaseDecodeHead`` or overrides its
            ``loss`` / ``loss_by_feat`` (e.g. ``PointHead``, ``STDCHead``).
    """
    if not isinstance(head, BaseDecodeHead):
        raise TypeError(f'expected a BaseDecodeHead, got '
                        f'{type(head).__name__}')
    cls = type(head)
    if (cls.loss is not BaseDecodeHead.loss
            or cls.loss_by_feat is not BaseDecodeHead.loss_by_feat):
        raise TypeError(
            f'expected a head using BaseDecodeHead.loss and loss_by_feat '
            f'(this package recomputes them with extra targets), got '
            f'{cls.__name__}, which overrides them')


def stack_labels(data_samples: SampleList) -> Tensor:
    """The samples' ``gt_sem_seg`` stacked to (N, 1, H, W), as MMSeg's
    ``BaseDecodeHead._stack_batch_gt``."""
    return torch.stack([sample.gt_sem_seg.data for sample in data_samples])


def check_soft_ignore_index(data_samples: SampleList, ignore_index: int,
                            head_name: str = 'decode_head') -> None:
    """Check that the soft maps were packed with a head's ``ignore_index``.

    :class:`~mmseg_jml.datasets.transforms.PackSoftSegInputs` zeroes the
    soft vectors where the hard label is *its* ``ignore_index`` and records
    that value in ``gt_soft_sem_seg.metainfo['ignore_index']``. A head that
    ignores another label would count, in its hard-label losses, pixels
    that its soft-target losses skip (or the reverse).

    Args:
        data_samples (list[SegDataSample]): The batch.
        ignore_index (int): The head's ``ignore_index``.
        head_name (str): Name of the head, for the message. Defaults to
            ``'decode_head'``.

    Raises:
        ValueError: If a soft map records another ``ignore_index``.
    """
    for index, sample in enumerate(data_samples):
        if SOFT_FIELD not in sample:
            continue
        packed = sample.get(SOFT_FIELD).metainfo.get('ignore_index', None)
        if packed is not None and packed != ignore_index:
            raise ValueError(
                f'expected the soft label maps to be packed with the '
                f'ignore_index of the {head_name} ({ignore_index}), got '
                f'PackSoftSegInputs(ignore_index={packed}) in sample '
                f'{index}: set the same value in the pipeline and the head')


def stack_soft_targets(data_samples: SampleList,
                       num_classes: Optional[int] = None) -> Tensor:
    """Stack the samples' ``gt_soft_sem_seg`` into an (N, C, H, W) batch.

    Each map is zero-padded at the bottom/right to the size of the
    sample's ``gt_sem_seg`` (MMSeg's data preprocessor pads only the hard
    label, with 255); all-zero vectors are not counted by the losses, like
    255 in the hard label. The maps keep their floating dtype (float16 soft
    maps stay half precision; the losses compute in float32).

    Args:
        data_samples (list[SegDataSample]): The batch, each with
            ``gt_sem_seg`` and ``gt_soft_sem_seg``.
        num_classes (int, optional): Expected number of classes ``C``.
            Defaults to None (not checked).

    Returns:
        Tensor: (N, C, H, W) soft targets on the samples' device, in the
        maps' common floating dtype.

    Raises:
        ValueError: If a sample has no soft map (with the pipeline that
            makes one), the class counts differ from each other or from
            ``num_classes``, or a soft map is larger than its label.
        TypeError: If a soft map is not floating point.
    """
    maps = []
    for index, sample in enumerate(data_samples):
        if SOFT_FIELD not in sample:
            raise ValueError(
                f'expected every data sample to carry {SOFT_FIELD} (a soft '
                f'label map), sample {index} has none: add '
                'LoadSoftLabelMap and PackSoftSegInputs (instead of '
                'PackSegInputs) to the train pipeline and '
                'data_prefix=dict(soft_seg_map_path=...) to the dataset')
        soft = sample.get(SOFT_FIELD).data
        label_hw = tuple(sample.gt_sem_seg.data.shape[-2:])
        if soft.ndim != 3:
            raise ValueError(f'expected a (C, H, W) soft label map, got '
                             f'shape {tuple(soft.shape)} in sample {index}')
        if not soft.is_floating_point():
            raise TypeError(f'expected a floating-point soft label map, got '
                            f'{soft.dtype} in sample {index}')
        if num_classes is not None and soft.shape[0] != num_classes:
            raise ValueError(
                f'expected soft label maps with {num_classes} classes (the '
                f'model\'s num_classes), got {soft.shape[0]} in sample '
                f'{index}')
        height, width = soft.shape[-2:]
        if height > label_hw[0] or width > label_hw[1]:
            raise ValueError(
                f'expected a soft label map no larger than its hard label '
                f'{label_hw}, got {(height, width)} in sample {index}')
        if (height, width) != label_hw:
            soft = F.pad(soft, (0, label_hw[1] - width, 0,
                                label_hw[0] - height))
        maps.append(soft)
    classes = {m.shape[0] for m in maps}
    if len(classes) > 1:
        raise ValueError(f'expected soft label maps with one class count, '
                         f'got {sorted(classes)}')
    dtype = maps[0].dtype
    for soft in maps[1:]:
        dtype = torch.promote_types(dtype, soft.dtype)
    return torch.stack([soft.to(dtype) for soft in maps])


def resize_to_labels(head: BaseDecodeHead, seg_logits: Tensor,
                     seg_label: Tensor) -> Tensor:
    """Resize a head's logits to the label size, as ``loss_by_feat`` does
    (bilinear, the head's ``align_corners``).

    Args:
        head (BaseDecodeHead): The head (for its ``align_corners``).
        seg_logits (Tensor): (N, C, h, w) output of ``head.forward``.
        seg_label (Tensor): (N, 1, H, W) labels (:func:`stack_labels`).

    Returns:
        Tensor: (N, C, H, W) logits.
    """
    return resize(
        input=seg_logits,
        size=seg_label.shape[2:],
        mode='bilinear',
        align_corners=head.align_corners)


def label_size_losses(head: BaseDecodeHead,
                      seg_logits: Tensor,
                      seg_label: Tensor,
                      soft_targets: Optional[Tensor] = None,
                      with_accuracy: bool = True) -> Dict[str, Tensor]:
    """``BaseDecodeHead.loss_by_feat`` on logits already at label size.

    Computes the head's pixel-sampler weights if it has a sampler, then
    calls every loss of ``head.loss_decode`` as MMSeg does --
    ``loss(seg_logits, target, weight=seg_weight,
    ignore_index=head.ignore_index)`` -- with ``target`` the soft targets
    for losses that :func:`accepts_soft_target` (when ``soft_targets`` is
    given) and the hard label otherwise. Values of losses sharing a
    ``loss_name`` are summed.

    Args:
        head (BaseDecodeHead): The head (for its losses, ``ignore_index``,
            sampler and ``out_channels``).
        seg_logits (Tensor): (N, C, H, W) logits at label size
            (:func:`resize_to_labels`).
        seg_label (Tensor): (N, 1, H, W) labels (:func:`stack_labels`).
        soft_targets (Tensor, optional): (N, C, H, W) soft targets at the
            label size (see :func:`stack_soft_targets`). Defaults to None.
        with_accuracy (bool): Whether to add ``acc_seg`` on the hard label.
            Defaults to True.

    Returns:
        dict[str, Tensor]: Losses by ``loss_name`` (and ``acc_seg``).

    Raises:
        ValueError: If ``seg_logits`` is not at the label size, or
            ``soft_targets`` does not have the shape
            (N, head.out_channels, H, W) of the labels.
    """
    if tuple(seg_logits.shape[2:]) != tuple(seg_label.shape[2:]):
        raise ValueError(
            f'expected logits at the label size {tuple(seg_label.shape[2:])}'
            f' (see resize_to_labels), got {tuple(seg_logits.shape[2:])}')
    if soft_targets is not None:
        expected = (seg_label.shape[0], head.out_channels,
                    *seg_label.shape[2:])
        if not isinstance(soft_targets, Tensor) or tuple(
                soft_targets.shape) != expected:
            raise ValueError(
                f'expected soft targets of shape {expected} (batch, the '
                f'head\'s out_channels, label size), got '
                f'{tuple(getattr(soft_targets, "shape", ()))}')
    seg_weight = None
    if head.sampler is not None:
        seg_weight = head.sampler.sample(seg_logits, seg_label)
    seg_label = seg_label.squeeze(1)
    result: Dict[str, Tensor] = {}
    for loss_module in head_loss_modules(head):
        use_soft = soft_targets is not None and accepts_soft_target(
            loss_module)
        value = loss_module(
            seg_logits,
            soft_targets if use_soft else seg_label,
            weight=seg_weight,
            ignore_index=head.ignore_index)
        name = loss_module.loss_name
        result[name] = result[name] + value if name in result else value
    if with_accuracy:
        result['acc_seg'] = accuracy(
            seg_logits, seg_label, ignore_index=head.ignore_index)
    return result


def head_losses(head: BaseDecodeHead,
                seg_logits: Tensor,
                data_samples: SampleList,
                soft_targets: Optional[Tensor] = None,
                with_accuracy: bool = True) -> Dict[str, Tensor]:
    """``BaseDecodeHead.loss_by_feat`` with optional soft targets.

    :func:`resize_to_labels` then :func:`label_size_losses`. Without
    ``soft_targets`` the result equals MMSeg's ``loss_by_feat``.

    Args:
        head (BaseDecodeHead): The head.
        seg_logits (Tensor): (N, C, h, w) output of ``head.forward``.
        data_samples (list[SegDataSample]): The batch, with ``gt_sem_seg``.
        soft_targets (Tensor, optional): (N, C, H, W) soft targets at the
            hard label's size (see :func:`stack_soft_targets`). Defaults to
            None.
        with_accuracy (bool): Whether to add ``acc_seg`` on the hard label.
            Defaults to True.

    Returns:
        dict[str, Tensor]: Losses by ``loss_name`` (and ``acc_seg``).

    Raises:
        ValueError: If ``soft_targets`` does not have the shape
            (N, head.out_channels, H, W) of the batch's labels.
    """
    seg_label = stack_labels(data_samples)
    return label_size_losses(head,
                             resize_to_labels(head, seg_logits, seg_label),
                             seg_label, soft_targets, with_accuracy)
