"""The MNI152 brain-tissue demo dataset."""
from mmseg.registry import DATASETS

from .soft_label_dataset import SoftLabelSegDataset


@DATASETS.register_module()
class MNI152TissueDataset(SoftLabelSegDataset):
    """Axial slices of the MNI152 2009 template with tissue labels.

    Built by ``tools/dataset_converters/mni152.py`` (see
    :func:`mmseg_jml.datasets.preparation.prepare_mni152`) from the template
    that nilearn ships: the T1 volume is the image, the grey- and
    white-matter probability maps (and background = 1 - GM - WM) are the
    soft ground truth, their arg-max the hard label map. Layout::

        data/mni152/
            img_dir/{train,val}/axial_XXX.png       # uint8 T1 slice
            ann_dir/{train,val}/axial_XXX.png       # uint8 class index
            soft_dir/{train,val}/axial_XXX.npy      # float16 (3, H, W)
    """

    METAINFO = dict(
        classes=('background', 'grey matter', 'white matter'),
        palette=[[0, 0, 0], [128, 128, 128], [255, 255, 255]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)


@DATASETS.register_module()
class SyntheticShapesDataset(SoftLabelSegDataset):
    """Tiny generated dataset of shapes on noise, for fast tests.

    Built by :func:`mmseg_jml.datasets.preparation.make_synthetic_dataset`;
    same layout as :class:`MNI152TissueDataset`.
    """

    METAINFO = dict(
        classes=('background', 'disc', 'square'),
        palette=[[0, 0, 0], [220, 20, 60], [0, 128, 255]])

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
