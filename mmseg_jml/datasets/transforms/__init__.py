"""Pipeline transforms: soft label maps through MMSeg's data flow, own-size
rescaling, and the weak/strong branches of semi-supervised training."""
from .formatting import (PackSoftSegInputs, SoftLabelPixelData,
                         gather_soft_label_map, register_soft_label_consumer)
from .loading import LoadSoftLabelMap
from .multi_branch import MultiBranch
from .rescale import RandomRescale
from .strong_augment import StrongIntensityAugment

__all__ = [
    'LoadSoftLabelMap', 'MultiBranch', 'PackSoftSegInputs', 'RandomRescale',
    'SoftLabelPixelData', 'StrongIntensityAugment', 'gather_soft_label_map',
    'register_soft_label_consumer'
]
