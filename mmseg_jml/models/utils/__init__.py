"""Helpers shared by the segmentors of :mod:`mmseg_jml`."""
from .soft_loss import (SOFT_TARGET_LOSSES, LossConfigs, accepts_soft_target,
                        build_named_losses, check_soft_ignore_index,
                        check_soft_label_head, head_loss_modules, head_losses, label_size_losses,
                        loss_heads, resize_to_labels, stack_labels,
                        stack_soft_targets)

__all__ = [
    'LossConfigs', 'SOFT_TARGET_LOSSES', 'accepts_soft_target',
    'build_named_losses', 'check_soft_ignore_index',
    'check_soft_label_head', 'head_loss_modules', 'head_losses',
    'label_size_losses', 'loss_heads', 'resize_to_labels', 'stack_labels',
    'stack_soft_targets'
]
