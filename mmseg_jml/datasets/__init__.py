from .mni152 import MNI152TissueDataset, SyntheticShapesDataset
from .soft_label_dataset import SoftLabelSegDataset

__all__ = [
    'MNI152TissueDataset', 'SoftLabelSegDataset', 'SyntheticShapesDataset'
]
