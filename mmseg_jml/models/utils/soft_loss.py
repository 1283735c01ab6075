"""Decode-head losses with soft targets, shared by the soft-label segmentors.

MMSeg's :meth:`BaseDecodeHead.loss_by_feat` calls every loss with the hard
(N, H, W) label map. :func:`head_losses` does the same computation (logits
resized to the label size, optional pixel sampler, losses accumulated by
``loss_name``, ``acc_seg`` on the hard label) but gives a soft (N, C, H, W)
target to the losses that accept one (:func:`accepts_soft_target`) and the
hard label to the others (e.g. MMSeg's ``CrossEntropyLoss``).
"""
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.utils import SampleList
from torch import Tensor, nn

from ..losses import (JaccardMetricLoss, KLDivergenceLoss,
                      SoftCrossEntropyLoss)

__all__ = [
    'SOFT_TARGET_LOSSES', 'accepts_soft_target', 'check_soft_label_head',
    'head_loss_modules', 'stack_soft_targets', 'head_losses'
]

#: Loss classes of this package that take (N, C, H, W) float targets (the
#: kind of target is decided by its shape). ``DiceMetricLoss`` is a
#: ``JaccardMetricLoss``.
SOFT_TARGET_LOSSES = (JaccardMetricLoss, SoftCrossEntropyLoss,
                      KLDivergenceLoss)

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
            f'for soft-label training, got {cls.__name__}, which overrides '
            'them')


def stack_soft_targets(data_samples: SampleList,
                       num_classes: Optional[int] = None) -> Tensor:
    """Stack the samples' ``gt_soft_sem_seg`` into an (N, C, H, W) batch.

    Each map is zero-padded at the bottom/right to the size of the
    sample's ``gt_sem_seg`` (MMSeg's data preprocessor pads only the hard
    label, with 255); all-zero vectors are not counted by the losses, like
    255 in the hard label.

    Args:
        data_samples (list[SegDataSample]): The batch, each with
            ``gt_sem_seg`` and ``gt_soft_sem_seg``.
        num_classes (int, optional): Expected number of classes ``C``.
            Defaults to None (not checked).

    Returns:
        Tensor: float (N, C, H, W) soft targets on the samples' device.

    Raises:
        ValueError: If a sample has no soft map (with the pipeline that
            makes one), the class counts differ from each other or from
            ``num_classes``, or a soft map is larger than its label.
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
    return torch.stack(maps).float()


def head_losses(head: BaseDecodeHead,
                seg_logits: Tensor,
                data_samples: SampleList,
                soft_targets: Optional[Tensor] = None,
                losses: Optional[Sequence[nn.Module]] = None,
                with_accuracy: bool = True) -> Dict[str, Tensor]:
    """``BaseDecodeHead.loss_by_feat`` with optional soft targets.

    Resizes ``seg_logits`` to the hard label size (bilinear, the head's
    ``align_corners``), computes the head's pixel-sampler weights if it has
    a sampler, then calls every loss as MMSeg does --
    ``loss(seg_logits, target, weight=seg_weight,
    ignore_index=head.ignore_index)`` -- with ``target`` the soft targets
    for losses that :func:`accepts_soft_target` (when ``soft_targets`` is
    given) and the hard label otherwise. Values of losses sharing a
    ``loss_name`` are summed. Without ``soft_targets`` the result equals
    MMSeg's ``loss_by_feat``.

    Args:
        head (BaseDecodeHead): The head (for its losses, ``ignore_index``,
            sampler, ``align_corners`` and ``out_channels``).
        seg_logits (Tensor): (N, C, h, w) output of ``head.forward``.
        data_samples (list[SegDataSample]): The batch, with ``gt_sem_seg``.
        soft_targets (Tensor, optional): (N, C, H, W) soft targets at the
            hard label's size (see :func:`stack_soft_targets`). Defaults to
            None.
        losses (Sequence[nn.Module], optional): The losses to compute
            instead of the head's ``loss_decode`` (e.g. distillation
            losses). Defaults to None.
        with_accuracy (bool): Whether to add ``acc_seg`` on the hard label.
            Defaults to True.

    Returns:
        dict[str, Tensor]: Losses by ``loss_name`` (and ``acc_seg``).

    Raises:
        ValueError: If ``soft_targets`` does not have the shape
            (N, head.out_channels, H, W) of the batch's labels.
    """
    seg_label = torch.stack(
        [sample.gt_sem_seg.data for sample in data_samples])
    seg_logits = resize(
        input=seg_logits,
        size=seg_label.shape[2:],
        mode='bilinear',
        align_corners=head.align_corners)
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
    for loss_module in (head_loss_modules(head)
                        if losses is None else losses):
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
