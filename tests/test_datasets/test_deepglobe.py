"""Tests of the DeepGlobe Land converter, folds and dataset.

The fixture is a miniature copy of the challenge's real format: RGB
``<id>_sat.jpg`` images and RGB-coded ``<id>_mask.png`` masks whose colours
carry compression-like noise (every channel off by up to 60 levels, never
across 128), plus an unknown (black) region and a few pixels of a colour
outside the class table.
"""
import filecmp
import importlib.util
import os
import os.path as osp
import sys

import numpy as np
import pytest
from PIL import Image

from mmseg_jml.datasets import DeepGlobeLandDataset
from mmseg_jml.datasets.deepglobe import (CLASSES, IGNORE_INDEX, PALETTE,
                                          convert_deepglobe_land, file_order,
                                          make_folds, rgb_to_label)

IDS = ['100694', '102122', '10452', '107781', '114577', '115444', '119079']
SIZE = (24, 40)  # H, W


def _noisy_colours(labels, rng):
    """RGB mask of a label map (-1 = unknown, -2 = red) with noise."""
    colours = np.array(PALETTE + [[255, 0, 0], [0, 0, 0]], dtype=np.int16)
    rgb = colours[labels].copy()  # -1 -> black, -2 -> red
    noise = rng.integers(0, 61, size=rgb.shape)
    rgb = np.where(rgb >= 128, rgb - noise, rgb + noise)
    return rgb.astype(np.uint8)


def _expected_label(labels):
    out = labels.astype(np.uint8)
    out[labels < 0] = IGNORE_INDEX
    return out


@pytest.fixture(scope='module')
def deepglobe_src(tmp_path_factory):
    """A miniature ``train/`` folder and the label maps it encodes."""
    root = tmp_path_factory.mktemp('deepglobe_raw')
    src = root / 'train'
    src.mkdir()
    rng = np.random.default_rng(0)
    expected = {}
    for n, img_id in enumerate(IDS):
        labels = rng.integers(0, len(CLASSES), size=(6, 10)).repeat(
            4, axis=0).repeat(4, axis=1)
        labels[:3, :5] = -1  # unknown
        if n == 0:
            labels[-2:, -3:] = -2  # a colour outside the table
        Image.fromarray(_noisy_colours(labels, rng)).save(
            src / f'{img_id}_mask.png')
        image = rng.integers(0, 256, size=SIZE + (3, ), dtype=np.uint8)
        Image.fromarray(image).save(src / f'{img_id}_sat.jpg', quality=90)
        expected[img_id] = _expected_label(labels)
    return root, expected


@pytest.fixture(scope='module')
def converted(deepglobe_src, tmp_path_factory):
    root, expected = deepglobe_src
    out = tmp_path_factory.mktemp('deepglobe_out')
    stats = convert_deepglobe_land(str(root), str(out), num_folds=5)
    return out, stats, expected


def _read_split(out, k, split):
    with open(osp.join(out, 'splits', f'fold{k}_{split}.txt')) as f:
        return [line.strip() for line in f if line.strip()]


# --- colour decoding -------------------------------------------------------


@pytest.mark.parametrize('label', range(len(CLASSES)))
@pytest.mark.parametrize('offset', [0, 40, 127])
def test_rgb_to_label_each_class_with_noise(label, offset):
    colour = np.array(PALETTE[label])
    noisy = np.where(colour == 255, colour - offset, colour + offset)
    mask = np.broadcast_to(noisy.astype(np.uint8), (2, 3, 3)).copy()
    out, invalid = rgb_to_label(mask)
    assert out.dtype == np.uint8 and out.shape == (2, 3)
    assert (out == label).all() and invalid == 0


@pytest.mark.parametrize('rgb,label,invalid', [
    ((0, 0, 0), IGNORE_INDEX, 0),
    ((127, 127, 127), IGNORE_INDEX, 0),
    ((128, 128, 128), 5, 0),
    ((255, 0, 0), IGNORE_INDEX, 1),
    ((200, 100, 30), IGNORE_INDEX, 1),
    ((127, 128, 255), 0, 0),
])
def test_rgb_to_label_threshold_at_128(rgb, label, invalid):
    out, bad = rgb_to_label(np.array([[rgb]], dtype=np.uint8))
    assert out[0, 0] == label and bad == invalid


@pytest.mark.parametrize('mask,error,match', [
    (np.zeros((2, 2, 3), dtype=np.float32), TypeError, 'uint8'),
    ([[[0, 0, 0]]], TypeError, 'uint8'),
    (np.zeros((2, 2), dtype=np.uint8), ValueError, r'\(H, W, 3\)'),
    (np.zeros((2, 2, 4), dtype=np.uint8), ValueError, r'\(H, W, 3\)'),
])
def test_rgb_to_label_rejects(mask, error, match):
    with pytest.raises(error, match=match):
        rgb_to_label(mask)


# --- folds -----------------------------------------------------------------


def _deepglobe_like_ids(num=803, seed=0):
    """Unique ids of 3 to 6 digits like DeepGlobe's, with ids that are
    prefixes of others (where file-name order differs from id order)."""
    crafted = ['1234', '12345', '123456', '120', '1200', '99', '999999']
    rng = np.random.default_rng(seed)
    ids = set(crafted)
    while len(ids) < num:
        ids.add(str(int(rng.integers(100, 1000000))))
    ids = sorted(ids)
    return [ids[i] for i in rng.permutation(len(ids))]  # any input order


def _official_folds(ids, num_folds=5):
    """The paper's code, restated: glob the image paths, sort them, cut
    len // 5 contiguous validation images per fold."""
    image_list = sorted(f'/data/land/train/{i}_sat.jpg' for i in ids)
    fold_size = len(image_list) // num_folds
    folds = []
    for fold in range(num_folds):
        train = image_list[:fold_size * fold] + \
            image_list[fold_size * (fold + 1):]
        val = image_list[fold_size * fold:fold_size * (fold + 1)]
        assert (len(train), len(val)) == (643, 160)
        folds.append([osp.basename(p)[:-len('_sat.jpg')] for p in val])
    return folds, [osp.basename(p)[:-len('_sat.jpg')] for p in image_list]


def test_contiguous_folds_equal_the_official_folds_on_803_ids():
    ids = _deepglobe_like_ids()
    official, ordered = _official_folds(ids)
    folds = make_folds(ids)  # the default is the paper's split
    assert folds == official
    assert [len(f) for f in folds] == [160] * 5
    validated = {i for fold in folds for i in fold}
    # the last 3 images are in every training split
    assert set(ordered[-3:]) == set(ids) - validated
    # file-name order, not id order: '12345_sat.jpg' < '1234_sat.jpg'
    assert file_order(ids) == ordered != sorted(ids)
    assert ordered.index('12345') < ordered.index('1234')


@pytest.mark.parametrize('num_ids,num_folds', [(803, 5), (7, 5), (10, 3),
                                               (5, 5)])
def test_contiguous_folds(num_ids, num_folds):
    ids = [f'{i:06d}' for i in range(num_ids)]
    folds = make_folds(ids, num_folds, 'contiguous')
    size = num_ids // num_folds
    assert folds == [ids[k * size:(k + 1) * size] for k in range(num_folds)]


@pytest.mark.parametrize('num_ids,num_folds', [(803, 5), (7, 5), (10, 3),
                                               (5, 5)])
@pytest.mark.parametrize('seed', [0, 1])
def test_shuffled_folds_partition(num_ids, num_folds, seed):
    ids = [f'{i:06d}' for i in range(num_ids)]
    folds = make_folds(ids, num_folds, 'shuffled', seed)
    assert len(folds) == num_folds
    flat = [i for fold in folds for i in fold]
    assert sorted(flat) == ids  # every id in exactly one fold
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 1
    assert all(f == sorted(f) for f in folds)


def test_shuffled_folds_seeding():
    ids = [f'{i:03d}' for i in range(50)]
    assert make_folds(ids, 5, 'shuffled', 0) == make_folds(
        list(reversed(ids)), 5, 'shuffled', 0)
    assert make_folds(ids, 5, 'shuffled', 0) != make_folds(
        ids, 5, 'shuffled', 1)
    assert make_folds(ids, 5, 'shuffled', 0)[0] != ids[:10]


@pytest.mark.parametrize('ids,kwargs,error,match', [
    (['a', 'b', 'c'], dict(num_folds=1), ValueError, 'num_folds'),
    (['a', 'b', 'c'], dict(num_folds=2.0), ValueError, 'num_folds'),
    (['a', 'b'], dict(num_folds=3), ValueError, 'at least 3 images'),
    (['a', 'a', 'b'], dict(num_folds=2), ValueError, 'unique'),
    (['a', 'b'], dict(num_folds=2, mode='random'), ValueError,
     "expected mode 'contiguous' or 'shuffled', got 'random'"),
    (['a', 'b'], dict(num_folds=2, mode='shuffled', seed=None), TypeError,
     'expected seed to be an int, got NoneType'),
])
def test_make_folds_rejects(ids, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_folds(ids, **kwargs)


# --- converter -------------------------------------------------------------


def test_convert_labels_and_images(converted, deepglobe_src):
    out, stats, expected = converted
    src = osp.join(str(deepglobe_src[0]), 'train')
    assert stats['num_images'] == stats['num_samples'] == len(IDS)
    assert stats['invalid_pixels'] == 6  # the red 2x3 block
    for img_id, label in expected.items():
        written = np.asarray(
            Image.open(osp.join(out, 'ann_dir', f'{img_id}_label.png')))
        assert written.dtype == np.uint8
        np.testing.assert_array_equal(written, label)
        assert filecmp.cmp(
            osp.join(src, f'{img_id}_sat.jpg'),
            osp.join(out, 'img_dir', f'{img_id}_sat.jpg'),
            shallow=False)
    counts = np.bincount(
        np.concatenate([v.ravel() for v in expected.values()]),
        minlength=256)
    assert stats['class_pixels'] == {
        i: int(n)
        for i, n in enumerate(counts) if n
    }


@pytest.mark.parametrize('k', range(5))
def test_convert_fold_files(converted, k):
    out, stats, _ = converted
    val, train = _read_split(out, k, 'val'), _read_split(out, k, 'train')
    assert not set(val) & set(train)
    assert sorted(val + train) == sorted(IDS)
    assert val == stats['folds'][k]


def test_convert_contiguous_folds_by_default(converted):
    # 7 images, 5 folds: one validation image each (file-name order), the
    # last 2 images in every training split, as the paper's code.
    out, _, _ = converted
    ordered = file_order(IDS)
    for k in range(5):
        assert _read_split(out, k, 'val') == [ordered[k]]
        assert set(ordered[5:]) <= set(_read_split(out, k, 'train'))


def test_convert_link_and_shuffled(deepglobe_src, tmp_path):
    root, _ = deepglobe_src
    stats = convert_deepglobe_land(
        str(root / 'train'), str(tmp_path), num_folds=3, mode='shuffled',
        seed=0, link=True)
    assert [len(f) for f in stats['folds']] == [3, 2, 2]
    assert stats['folds'] == make_folds(IDS, 3, 'shuffled', 0)
    assert sorted(i for f in stats['folds'] for i in f) == sorted(IDS)
    for k, fold in enumerate(stats['folds']):
        assert _read_split(tmp_path, k, 'val') == fold
    path = osp.join(tmp_path, 'img_dir', f'{IDS[0]}_sat.jpg')
    assert osp.islink(path)
    assert osp.realpath(path) == osp.realpath(
        osp.join(root, 'train', f'{IDS[0]}_sat.jpg'))
    assert sorted(os.listdir(osp.join(tmp_path, 'splits'))) == sorted(
        f'fold{k}_{s}.txt' for k in range(3) for s in ('train', 'val'))


def test_convert_tiles(deepglobe_src, tmp_path):
    root, expected = deepglobe_src
    stats = convert_deepglobe_land(
        str(root), str(tmp_path), num_folds=5, mode='shuffled', seed=0,
        tile_size=16)
    # 24x40 -> rows at 0, 8; columns at 0, 16, 24 (last flush, overlapping)
    assert stats['num_samples'] == 6 * len(IDS)
    img_id = IDS[0]
    label = expected[img_id]
    tile = np.asarray(
        Image.open(osp.join(tmp_path, 'ann_dir', f'{img_id}_1_2_label.png')))
    np.testing.assert_array_equal(tile, label[8:24, 24:40])
    image = np.asarray(
        Image.open(osp.join(root, 'train', f'{img_id}_sat.jpg')).convert(
            'RGB'))
    tile_img = np.asarray(
        Image.open(osp.join(tmp_path, 'img_dir', f'{img_id}_0_1_sat.png')))
    np.testing.assert_array_equal(tile_img, image[0:16, 16:32])
    for k in range(5):
        val = _read_split(tmp_path, k, 'val')
        train = _read_split(tmp_path, k, 'train')
        val_images = {n.rsplit('_', 2)[0] for n in val}
        train_images = {n.rsplit('_', 2)[0] for n in train}
        assert val_images == set(stats['folds'][k])
        assert not val_images & train_images  # folds split whole images
        assert len(val) + len(train) == 6 * len(IDS)


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(tile_size=0), ValueError, 'tile_size'),
    (dict(tile_size=16, link=True), ValueError, 'link=False'),
    (dict(num_folds=10), ValueError, 'at least 10 images'),
])
def test_convert_rejects_arguments(deepglobe_src, tmp_path, kwargs, error,
                                   match):
    with pytest.raises(error, match=match):
        convert_deepglobe_land(str(deepglobe_src[0]), str(tmp_path),
                               **kwargs)


def test_convert_rejects_missing_mask_and_empty(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='_sat.jpg'):
        convert_deepglobe_land(str(tmp_path / 'empty'), str(tmp_path / 'o'))
    valid = tmp_path / 'valid'
    valid.mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(valid / '1_sat.jpg')
    with pytest.raises(ValueError, match='mask for every image'):
        convert_deepglobe_land(str(valid), str(tmp_path / 'o'))


def test_converter_cli(deepglobe_src, tmp_path, repo_root, capsys):
    path = osp.join(repo_root, 'tools', 'dataset_converters', 'deepglobe.py')
    spec = importlib.util.spec_from_file_location('deepglobe_tool', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    stats = tool.main([str(deepglobe_src[0]), str(tmp_path), '--folds', '4',
                       '--mode', 'shuffled', '--seed', '3'])
    printed = capsys.readouterr().out
    assert f'of {len(IDS)} images, 4 shuffled folds' in printed
    assert 'unknown (ignored)' in printed
    assert stats['folds'] == make_folds(IDS, 4, 'shuffled', 3)
    stats = tool.main([str(deepglobe_src[0]), str(tmp_path / 'c')])
    printed = capsys.readouterr().out
    assert '5 contiguous folds' in printed
    assert '2 images in every training split' in printed
    assert stats['folds'] == make_folds(IDS)
    with pytest.raises(SystemExit):
        tool.main([str(deepglobe_src[0]), str(tmp_path), '--seed', '3'])
    assert '--seed applies to --mode shuffled only' in \
        capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / 'missing'), str(tmp_path / 'o')])
    assert 'expected a directory' in capsys.readouterr().err


# --- dataset ---------------------------------------------------------------


@pytest.mark.parametrize('split', ['train', 'val'])
def test_dataset_reads_fold(converted, split):
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')  # MMSeg's LoadAnnotations, not mmcv's
    out, stats, expected = converted
    names = _read_split(out, 2, split)
    ds = DeepGlobeLandDataset(
        data_root=str(out),
        ann_file=f'splits/fold2_{split}.txt',
        data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir'),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations')])
    assert len(ds) == len(names)
    assert ds.metainfo['classes'] == CLASSES
    item = ds[0]
    assert osp.basename(item['img_path']) == f'{names[0]}_sat.jpg'
    assert item['img'].shape == SIZE + (3, )
    np.testing.assert_array_equal(item['gt_seg_map'], expected[names[0]])


def test_base_config_builds_dataset(converted, repo_root):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    out, stats, _ = converted
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', '_base_', 'datasets',
                 'deepglobe_land.py'))
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.dataset.data_root = str(out)
    val = DATASETS.build(cfg.val_dataloader.dataset)
    train = DATASETS.build(cfg.train_dataloader.dataset)
    assert sorted(osp.basename(d['img_path'])[:-len('_sat.jpg')]
                  for d in val.load_data_list()) == stats['folds'][0]
    assert len(val) + len(train) == len(IDS)
    sample = train[0]
    assert sample['inputs'].shape[0] == 3
    labels = sample['data_samples'].gt_sem_seg.data
    assert set(labels.unique().tolist()) <= set(range(6)) | {IGNORE_INDEX}


if __name__ == '__main__':
    sys.exit(pytest.main([__file__]))
