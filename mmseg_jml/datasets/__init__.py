from .deepglobe import DeepGlobeLandDataset
from .mni152 import MNI152TissueDataset, SyntheticShapesDataset
from .soft_label_dataset import SoftLabelSegDataset

__all__ = [
    'DeepGlobeLandDataset', 'MNI152TissueDataset', 'SoftLabelSegDataset',
    'SyntheticShapesDataset'
]
