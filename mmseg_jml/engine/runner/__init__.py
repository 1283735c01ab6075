"""Loops of semi-supervised training."""
from .loops import TeacherStudentValLoop

__all__ = ['TeacherStudentValLoop']
