from .deepglobe import DeepGlobeLandDataset
from .mni152 import MNI152TissueDataset, SyntheticShapesDataset
from .mnist_scenes import MNISTScenesDataset
from .samplers import *  # noqa: F401,F403
from .samplers import __all__ as _samplers_all
from .soft_label_dataset import SoftLabelSegDataset
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _transforms_all

__all__ = [
    'DeepGlobeLandDataset', 'MNI152TissueDataset', 'MNISTScenesDataset',
    'SoftLabelSegDataset', 'SyntheticShapesDataset'
] + _samplers_all + _transforms_all
