import glob
import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmseg_jml.datasets.preparation import (is_prepared,
                                            make_synthetic_dataset,
                                            prepare_mni152,
                                            split_slices_by_slab)


@pytest.mark.parametrize('num_slices,slab_size,val_every,gap',
                         [(189, 12, 4, 3), (50, 5, 2, 0), (30, 4, 3, 2)])
def test_split_by_slab_keeps_a_gap(num_slices, slab_size, val_every, gap):
    split = split_slices_by_slab(num_slices, slab_size, val_every, gap)
    train, val = np.array(split['train']), np.array(split['val'])
    assert len(train) and len(val)
    distance = np.abs(train[:, None] - val[None, :]).min()
    assert distance == gap + 1
    # validation is made of whole slabs
    for index in val:
        slab = index // slab_size
        whole = range(slab * slab_size,
                      min((slab + 1) * slab_size, num_slices))
        assert set(whole) <= set(val.tolist())


def test_split_by_slab_rejects_bad_arguments():
    with pytest.raises(ValueError, match='expected num_slices >= 1'):
        split_slices_by_slab(10, slab_size=0)


def _check_layout(root, split):
    images = sorted(glob.glob(osp.join(root, 'img_dir', split, '*.png')))
    assert images
    for image_path in images:
        name = osp.splitext(osp.basename(image_path))[0]
        image = np.array(Image.open(image_path))
        label = np.array(
            Image.open(osp.join(root, 'ann_dir', split, name + '.png')))
        soft = np.load(osp.join(root, 'soft_dir', split, name + '.npy'))
        assert image.dtype == np.uint8 and label.dtype == np.uint8
        assert soft.dtype == np.float16
        assert soft.shape == (3, ) + label.shape == (3, ) + image.shape
        np.testing.assert_allclose(soft.astype(np.float32).sum(0), 1.0,
                                   atol=2e-3)
        assert (soft.min() >= 0)
        agree = soft.astype(np.float32).argmax(0) == label
        assert agree.mean() > 0.999  # float16 rounding may flip exact ties
    return len(images)


def test_synthetic_dataset(tmp_path):
    counts = make_synthetic_dataset(str(tmp_path), num_train=3, num_val=2,
                                    size=(32, 48))
    assert counts == dict(train=3, val=2)
    assert is_prepared(str(tmp_path))
    assert _check_layout(str(tmp_path), 'train') == 3
    assert _check_layout(str(tmp_path), 'val') == 2
    labels = [
        np.array(Image.open(p))
        for p in glob.glob(osp.join(tmp_path, 'ann_dir', '*', '*.png'))
    ]
    assert set(np.unique(np.stack(labels))) == {0, 1, 2}


@pytest.fixture(scope='module')
def mni152_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mni152'))
    prepare_mni152(root)
    return root


def test_mni152_layout_and_soft_labels(mni152_root):
    num_train = _check_layout(mni152_root, 'train')
    num_val = _check_layout(mni152_root, 'val')
    with open(osp.join(mni152_root, 'manifest.json')) as f:
        manifest = json.load(f)
    assert manifest['counts'] == dict(train=num_train, val=num_val)
    assert num_train > 2 * num_val > 0


def test_mni152_split_has_no_neighbouring_slices(mni152_root):

    def slices(split):
        return {
            int(osp.basename(p)[6:9])
            for p in glob.glob(osp.join(mni152_root, 'img_dir', split,
                                        '*.png'))
        }

    train, val = slices('train'), slices('val')
    assert min(abs(t - v) for t in train for v in val) > 3


def test_mni152_has_all_tissues_and_real_soft_labels(mni152_root):
    soft = np.stack([
        np.load(p).astype(np.float32)
        for p in glob.glob(osp.join(mni152_root, 'soft_dir', 'train', '*'))
    ])
    label = soft.argmax(1)
    fractions = np.bincount(label.ravel(), minlength=3) / label.size
    assert (fractions > 0.05).all()
    # partial-volume voxels: genuinely soft targets, not one-hot
    assert ((soft.max(1) < 0.9) & (soft.max(1) > 0.4)).mean() > 0.01
