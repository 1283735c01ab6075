"""Base dataset whose samples may carry a per-pixel soft label map."""
import os.path as osp
from typing import List

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS


@DATASETS.register_module()
class SoftLabelSegDataset(BaseSegDataset):
    """:class:`~mmseg.datasets.BaseSegDataset` plus optional soft label maps.

    Besides ``img_path`` and ``seg_map_path``, ``data_prefix`` may name a
    ``soft_seg_map_path`` folder. Each sample then also gets a
    ``soft_seg_map_path``: a ``.npy`` array of shape (C, H, W) holding the
    per-pixel class probabilities, next to its hard label map (which stays
    the reference for MMSeg's metrics and augmentations). Without that
    prefix the dataset behaves exactly like ``BaseSegDataset``.

    Args:
        soft_seg_map_suffix (str): Suffix of the soft label files.
            Defaults to ``'.npy'``.
        **kwargs: Arguments of :class:`~mmseg.datasets.BaseSegDataset`.
    """

    def __init__(self, soft_seg_map_suffix: str = '.npy', **kwargs) -> None:
        self.soft_seg_map_suffix = soft_seg_map_suffix
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        soft_dir = self.data_prefix.get('soft_seg_map_path', None)
        if not soft_dir:
            return data_list
        for info in data_list:
            stem = osp.basename(info['seg_map_path'])[:-len(self.seg_map_suffix)]
            info['soft_seg_map_path'] = osp.join(
                soft_dir, stem + self.soft_seg_map_suffix)
        return data_list
