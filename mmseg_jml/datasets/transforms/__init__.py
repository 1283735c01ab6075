"""Pipeline transforms that carry soft label maps through MMSeg's data
flow."""
from .formatting import PackSoftSegInputs, gather_soft_label_map
from .loading import LoadSoftLabelMap

__all__ = ['LoadSoftLabelMap', 'PackSoftSegInputs', 'gather_soft_label_map']
from . import multi_branch, strong_augment  # noqa: F401,E402
