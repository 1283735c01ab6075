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
    the reference for MMSeg's metrics and augmentations). The soft folder
    mirrors the label folder, as MMSeg's label folder mirrors the image
    folder: ``<seg_map_path>/x/a<seg_map_suffix>`` has its soft map at
    ``<soft_seg_map_path>/x/a<soft_seg_map_suffix>`` (without a label
    folder, the image's path relative to ``img_path`` minus ``img_suffix``
    is used). Without that prefix the dataset behaves exactly like
    ``BaseSegDataset``.

    Args:
        soft_seg_map_suffix (str): Suffix of the soft label files.
            Defaults to ``'.npy'``.
        **kwargs: Arguments of :class:`~mmseg.datasets.BaseSegDataset`.

    Raises:
        TypeError: If ``soft_seg_map_suffix`` is not a str.
        ValueError: If ``soft_seg_map_suffix`` is empty.
    """

    def __init__(self, soft_seg_map_suffix: str = '.npy', **kwargs) -> None:
        if not isinstance(soft_seg_map_suffix, str):
            raise TypeError(f'expected soft_seg_map_suffix to be a str, got '
                            f'{type(soft_seg_map_suffix).__name__}')
        if not soft_seg_map_suffix:
            raise ValueError("expected a non-empty soft_seg_map_suffix (e.g. "
                             "'.npy'), got ''")
        self.soft_seg_map_suffix = soft_seg_map_suffix
        super().__init__(**kwargs)

    def _soft_stem(self, info: dict) -> str:
        """The sample's name relative to the label (or image) folder,
        without its suffix: the soft map's path below its own folder."""
        if 'seg_map_path' in info:
            path = info['seg_map_path']
            folder = self.data_prefix.get('seg_map_path', None)
            suffix = self.seg_map_suffix
        else:
            path = info['img_path']
            folder = self.data_prefix.get('img_path', None)
            suffix = self.img_suffix
        relative = osp.relpath(path, folder) if folder else osp.basename(path)
        if suffix:
            if not relative.endswith(suffix):
                raise ValueError(f'expected a file name ending with the '
                                 f'suffix {suffix!r}, got {path!r}')
            relative = relative[:-len(suffix)]
        if relative in ('', '.', '..') or relative.startswith(
                ('../', '..' + osp.sep)) or relative.endswith(('/', osp.sep)):
            raise ValueError(
                f'expected a file inside {folder!r} with a non-empty name '
                f'before its suffix {suffix!r}, got {path!r}')
        return relative

    def load_data_list(self) -> List[dict]:
        """``BaseSegDataset``'s list, each sample with its
        ``soft_seg_map_path`` when ``data_prefix`` names a soft folder.

        Returns:
            list[dict]: The data infos.

        Raises:
            ValueError: If a sample's name is empty without its suffix or
                lies outside its folder, or two samples map to the same
                soft file.
        """
        data_list = super().load_data_list()
        soft_dir = self.data_prefix.get('soft_seg_map_path', None)
        if not soft_dir:
            return data_list
        seen = {}
        for index, info in enumerate(data_list):
            path = osp.join(soft_dir,
                            self._soft_stem(info) + self.soft_seg_map_suffix)
            if path in seen:
                raise ValueError(
                    f'expected one soft label file per sample, got {path!r} '
                    f'for samples {seen[path]} and {index}')
            seen[path] = index
            info['soft_seg_map_path'] = path
        return data_list
