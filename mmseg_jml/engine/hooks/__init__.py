"""Hooks of semi-supervised training."""
from .mean_teacher_hook import MeanTeacherHook, augseg_ema_decay

__all__ = ['MeanTeacherHook', 'augseg_ema_decay']
