"""Pipeline transforms that carry soft label maps through MMSeg's data
flow."""
from .formatting import (PackSoftSegInputs, SoftLabelPixelData,
                         gather_soft_label_map, register_soft_label_consumer)
from .loading import LoadSoftLabelMap

__all__ = [
    'LoadSoftLabelMap', 'PackSoftSegInputs', 'SoftLabelPixelData',
    'gather_soft_label_map', 'register_soft_label_consumer'
]
from . import multi_branch, strong_augment  # noqa: F401,E402
from .rescale import RandomRescale  # noqa: F401,E402
