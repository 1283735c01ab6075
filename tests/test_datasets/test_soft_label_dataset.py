"""SoftLabelSegDataset: where each sample's soft label map is looked up."""
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

import mmseg_jml  # noqa: F401
from mmseg_jml.datasets import SoftLabelSegDataset

CLASSES = dict(classes=('a', 'b'))


def _write(root, layout):
    """Create tiny files (2x2 PNGs, or .npy arrays) at the given paths."""
    for path in layout:
        full = osp.join(str(root), path)
        os.makedirs(osp.dirname(full), exist_ok=True)
        if path.endswith('.npy'):
            np.save(full, np.zeros((2, 2, 2), np.float16))
        else:
            Image.fromarray(np.zeros((2, 2), np.uint8)).save(full, 'PNG')


def _dataset(root, **kwargs):
    return SoftLabelSegDataset(
        data_root=str(root),
        data_prefix=dict(
            img_path='img', seg_map_path='ann', soft_seg_map_path='soft'),
        metainfo=CLASSES,
        pipeline=[],
        **kwargs)


def test_nested_folders_map_to_distinct_soft_files(tmp_path):
    """ann/x/a.png and ann/y/a.png must not share soft/a.npy: the soft
    folder mirrors the label folder, as MMSeg's label folder mirrors the
    image folder."""
    _write(tmp_path, ['img/x/a.png', 'img/y/a.png', 'ann/x/a.png',
                      'ann/y/a.png'])
    dataset = _dataset(tmp_path, img_suffix='.png', seg_map_suffix='.png')
    soft = sorted(
        osp.relpath(dataset.get_data_info(i)['soft_seg_map_path'],
                    str(tmp_path)) for i in range(len(dataset)))
    assert soft == [osp.join('soft', 'x', 'a.npy'),
                    osp.join('soft', 'y', 'a.npy')]


def test_suffix_is_removed_only_at_the_end(tmp_path):
    _write(tmp_path, ['img/a.png.png', 'ann/a.png_mask.png'])
    dataset = _dataset(
        tmp_path, img_suffix='.png', seg_map_suffix='_mask.png')
    assert dataset.get_data_info(0)['soft_seg_map_path'] == osp.join(
        str(tmp_path), 'soft', 'a.png.npy')


def test_empty_seg_map_suffix_keeps_the_full_name(tmp_path):
    """seg_map_suffix='' (label files named like the image stem, no
    extension) gives the label's own name as stem, never an empty one."""
    _write(tmp_path, ['img/x/a.png', 'ann/x/a'])
    dataset = _dataset(tmp_path, img_suffix='.png', seg_map_suffix='')
    info = dataset.get_data_info(0)
    assert info['seg_map_path'] == osp.join(str(tmp_path), 'ann', 'x', 'a')
    assert info['soft_seg_map_path'] == osp.join(
        str(tmp_path), 'soft', 'x', 'a.npy')


def test_an_empty_name_is_a_clear_error(tmp_path):
    """With img_suffix='' MMSeg strips the whole image name, so the label is
    named just by its suffix: no soft file name can be derived."""
    _write(tmp_path, ['img/a', 'ann/.png'])
    with pytest.raises(ValueError, match='non-empty name before its suffix'):
        _dataset(tmp_path, img_suffix='', seg_map_suffix='.png')


def test_samples_without_labels_use_the_image_name(tmp_path):
    _write(tmp_path, ['img/x/a.jpg'])
    dataset = SoftLabelSegDataset(
        data_root=str(tmp_path),
        data_prefix=dict(img_path='img', soft_seg_map_path='soft'),
        img_suffix='.jpg',
        metainfo=CLASSES,
        pipeline=[])
    assert dataset.get_data_info(0)['soft_seg_map_path'] == osp.join(
        str(tmp_path), 'soft', 'x', 'a.npy')


def test_ann_file_lists_nested_names(tmp_path):
    _write(tmp_path, ['img/x/a.png', 'img/y/a.png'])
    (tmp_path / 'split.txt').write_text('x/a\ny/a\n')
    dataset = _dataset(
        tmp_path, ann_file='split.txt', img_suffix='.png',
        seg_map_suffix='.png')
    assert [dataset.get_data_info(i)['soft_seg_map_path']
            for i in range(2)] == [
                osp.join(str(tmp_path), 'soft', 'x', 'a.npy'),
                osp.join(str(tmp_path), 'soft', 'y', 'a.npy')]


@pytest.mark.parametrize('suffix,error,match', [
    ('', ValueError, "non-empty soft_seg_map_suffix"),
    (None, TypeError, 'soft_seg_map_suffix to be a str, got NoneType'),
])
def test_bad_soft_suffix(tmp_path, suffix, error, match):
    with pytest.raises(error, match=match):
        _dataset(tmp_path, soft_seg_map_suffix=suffix)
