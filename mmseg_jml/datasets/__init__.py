from .deepglobe import DeepGlobeLandDataset
from .mni152 import MNI152TissueDataset, SyntheticShapesDataset
from .soft_label_dataset import SoftLabelSegDataset
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transforms_all

__all__ = [
    'DeepGlobeLandDataset', 'MNI152TissueDataset', 'SoftLabelSegDataset',
    'SyntheticShapesDataset'
] + _transforms_all
from .mnist_scenes import MNISTScenesDataset  # noqa: F401
from . import samplers  # noqa: F401,E402
