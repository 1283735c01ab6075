"""The MNIST digit scenes: composition rules, determinism, splits, a run."""
import filecmp
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from mmseg_jml.datasets import MNISTScenesDataset
from mmseg_jml.datasets.mnist_scenes import (NUM_CLASSES, compose_scene,
                                             load_mnist_digits,
                                             prepare_mnist_scenes,
                                             split_digit_pools)

SMALL = dict(num_train=6, num_val=4, size=64, scale_range=(16, 32))
CONFIG = ('configs/digits/'
          'jml-soft_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py')


@pytest.fixture(scope='module')
def scenes_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mnist_scenes'))
    prepare_mnist_scenes(root, seed=3, **SMALL)
    return root


def _manifest(root):
    with open(osp.join(root, 'manifest.json')) as f:
        return json.load(f)


def _files(root):
    return sorted(
        osp.relpath(osp.join(d, f), root) for d, _, files in os.walk(root)
        for f in files)


def _read(root, split, name):
    label = np.array(Image.open(osp.join(root, 'ann_dir', split,
                                         name + '.png')))
    soft = np.load(osp.join(root, 'soft_dir', split, name + '.npy'))
    image = np.array(Image.open(osp.join(root, 'img_dir', split,
                                         name + '.png')))
    return image, label, soft


def test_same_seed_same_files_other_seed_other_scenes(scenes_root,
                                                      tmp_path):
    again = str(tmp_path / 'again')
    other = str(tmp_path / 'other')
    prepare_mnist_scenes(again, seed=3, **SMALL)
    prepare_mnist_scenes(other, seed=4, **SMALL)
    files = _files(scenes_root)
    assert files == _files(again) == _files(other)
    assert len(files) == 3 * (6 + 4) + 1
    _, mismatch, errors = filecmp.cmpfiles(
        scenes_root, again, files, shallow=False)
    assert mismatch == [] and errors == []
    _, mismatch, _ = filecmp.cmpfiles(
        scenes_root, other, files, shallow=False)
    assert len(mismatch) == len(files)


def test_split_pools_are_disjoint_and_cover_every_digit():
    digits = np.repeat(np.arange(10), 50)
    pools = split_digit_pools(digits, 0.2, np.random.default_rng(0))
    assert not set(pools['train']) & set(pools['val'])
    assert sorted(np.concatenate([pools['train'],
                                  pools['val']])) == list(range(500))
    assert np.bincount(digits[pools['val']]).tolist() == [10] * 10


def test_scenes_use_disjoint_digit_images(scenes_root):
    manifest = _manifest(scenes_root)
    used = {
        split: [r['index'] for recs in scenes.values() for r in recs]
        for split, scenes in manifest['scenes'].items()
    }
    assert set(used['train']) <= set(manifest['pools']['train'])
    assert set(used['val']) <= set(manifest['pools']['val'])
    assert not set(manifest['pools']['train']) & set(manifest['pools']['val'])
    # a pool is drawn without repetition until it is used up
    for indices in used.values():
        assert len(set(indices)) == len(indices)


def test_labels_show_the_placed_digits(scenes_root):
    manifest = _manifest(scenes_root)
    _, digits = load_mnist_digits()
    for split, scenes in manifest['scenes'].items():
        assert len(scenes) == SMALL[f'num_{split}']
        for name, records in scenes.items():
            assert 2 <= len(records) <= 6
            for record in records:
                assert digits[record['index']] == record['digit']
                assert 16 <= record['side'] <= 32
                assert record['top'] + record['side'] <= 64
                assert record['left'] + record['side'] <= 64
            _, label, _ = _read(scenes_root, split, name)
            expected = {0} | {r['digit'] + 1 for r in records}
            assert set(np.unique(label).tolist()) == expected


def test_soft_maps_on_the_simplex_and_agree_with_labels(scenes_root):
    for split in ('train', 'val'):
        for name in _manifest(scenes_root)['scenes'][split]:
            image, label, soft = _read(scenes_root, split, name)
            assert soft.dtype == np.float16
            assert soft.shape == (NUM_CLASSES, 64, 64)
            soft = soft.astype(np.float32)
            assert soft.min() >= 0
            np.testing.assert_allclose(soft.sum(0), 1.0, atol=2e-3)
            # at most one digit shares a pixel with the background
            assert ((soft[1:] > 0).sum(0) <= 1).all()
            digit = label > 0
            assert (soft.argmax(0)[digit] == label[digit]).all()
            assert (soft[0][~digit] >= 0.5).all()
            # a drawn stroke is bright in the image
            assert (image[digit] > 127).all()


def _glyphs():
    """Two 28 x 28 'digits': a full square of 255 and a square of 100."""
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[0, 4:24, 4:24] = 255
    images[1, 4:24, 4:24] = 100
    return images, np.array([3, 7])


@pytest.mark.parametrize('order', [(0, 1), (1, 0)])
def test_compose_scene_by_hand(order):
    images, digits = _glyphs()
    # a canvas of the glyph's size: both digits at (0, 0), unscaled
    image, soft, records = compose_scene(
        images, digits, np.array(order), np.random.default_rng(0), size=28,
        scale_range=(28, 28), max_overlap=1.0)
    assert [r['digit'] for r in records] == [digits[i] for i in order]
    assert all((r['top'], r['left']) == (0, 0) for r in records)
    # the solid square (coverage 1, class 4) wins whichever comes first:
    # drawn after the faint one it covers it, drawn before it keeps it
    # (a faint coverage of 100/255 < 1/2 takes no drawn stroke)
    inside = (slice(4, 24), slice(4, 24))
    np.testing.assert_array_equal(soft[4][inside], 1.0)
    np.testing.assert_array_equal(soft[0][inside], 0.0)
    np.testing.assert_array_equal(soft[8], 0.0)
    np.testing.assert_array_equal(image[inside], 255)
    outside = np.ones((28, 28), dtype=bool)
    outside[inside] = False
    np.testing.assert_array_equal(soft[0][outside], 1.0)
    np.testing.assert_array_equal(image[outside], 0)


def test_compose_scene_faint_digit_is_soft_background():
    images, digits = _glyphs()
    image, soft, _ = compose_scene(
        images[1:], digits[1:], np.array([0]), np.random.default_rng(0),
        size=28, scale_range=(28, 28))
    inside = (slice(4, 24), slice(4, 24))
    np.testing.assert_allclose(soft[8][inside], 100 / 255)
    np.testing.assert_allclose(soft[0][inside], 155 / 255)
    assert (soft.argmax(0) == 0).all()
    np.testing.assert_array_equal(image[inside], 100)


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_train=0), 'num_train >= 1'),
    (dict(digits_per_scene=(3, 2)), 'digits_per_scene'),
    (dict(max_overlap=1.5), 'max_overlap in'),
    (dict(val_fraction=1.0), 'val_fraction in'),
    (dict(scale_range=(16, 200)), 'scale_range'),
])
def test_prepare_rejects_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        prepare_mnist_scenes(str(tmp_path), **kwargs)


def test_dataset_reads_the_layout(scenes_root):
    dataset = MNISTScenesDataset(
        data_root=scenes_root,
        data_prefix=dict(
            img_path='img_dir/train',
            seg_map_path='ann_dir/train',
            soft_seg_map_path='soft_dir/train'),
        pipeline=[])
    assert len(dataset) == 6
    assert len(dataset.metainfo['classes']) == NUM_CLASSES
    info = dataset.get_data_info(0)
    assert osp.isfile(info['soft_seg_map_path'])
    assert osp.isfile(info['seg_map_path'])


def test_jml_soft_config_trains_and_validates(repo_root, scenes_root,
                                              tmp_path):
    """A miniature run of the soft-label config: 2 iterations of 2 scenes
    with the soft maps, then validation on the hard labels."""
    options = [
        f'{split}_dataloader.dataset.data_root={scenes_root}'
        for split in ('train', 'val', 'test')
    ] + [
        'train_dataloader.batch_size=2', 'train_cfg.max_iters=2',
        'train_cfg.val_interval=2', 'default_hooks.logger.interval=1'
    ]
    proc = subprocess.run(
        [
            sys.executable,
            osp.join(repo_root, 'tools', 'train.py'), CONFIG, '--work-dir',
            str(tmp_path), '--cfg-options', *options
        ],
        cwd=repo_root,
        env=dict(os.environ, OMP_NUM_THREADS='1'),
        capture_output=True,
        text=True,
        timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert 'decode.loss_jml' in log, log[-5000:]
    assert 'mIoU' in log
