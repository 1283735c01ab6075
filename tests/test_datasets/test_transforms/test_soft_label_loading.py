"""LoadSoftLabelMap: loading, coordinate maps and its errors."""
import numpy as np
import pytest

import mmseg_jml  # noqa: F401
from mmseg_jml.datasets.transforms import LoadSoftLabelMap
from mmseg_jml.datasets.transforms.loading import (COORD_OFFSET,
                                                   SOFT_COL_KEY,
                                                   SOFT_MAP_KEY,
                                                   SOFT_ROW_KEY)


def _save(tmp_path, array, name='soft.npy'):
    path = tmp_path / name
    np.save(path, array)
    return str(path)


def _soft(classes=3, height=5, width=7, seed=0):
    rng = np.random.default_rng(seed)
    soft = rng.dirichlet(np.ones(classes), size=(height, width))
    return soft.transpose(2, 0, 1).astype(np.float16)


def test_loads_map_and_registers_coordinate_maps(tmp_path):
    soft = _soft()
    results = dict(
        soft_seg_map_path=_save(tmp_path, soft),
        img=np.zeros((5, 7, 3), np.uint8),
        gt_seg_map=soft.argmax(0).astype(np.uint8),
        seg_fields=['gt_seg_map'])
    out = LoadSoftLabelMap()(results)
    np.testing.assert_array_equal(out[SOFT_MAP_KEY], soft)
    assert out['seg_fields'] == ['gt_seg_map', SOFT_ROW_KEY, SOFT_COL_KEY]
    rows, cols = out[SOFT_ROW_KEY], out[SOFT_COL_KEY]
    assert rows.dtype == cols.dtype == np.uint16
    assert rows.shape == cols.shape == (5, 7)
    np.testing.assert_array_equal(rows[:, 0], COORD_OFFSET + np.arange(5))
    np.testing.assert_array_equal(cols[0], COORD_OFFSET + np.arange(7))


def test_loads_without_seg_fields_key(tmp_path):
    out = LoadSoftLabelMap()(
        dict(soft_seg_map_path=_save(tmp_path, _soft())))
    assert out['seg_fields'] == [SOFT_ROW_KEY, SOFT_COL_KEY]


def test_missing_path_names_data_prefix():
    with pytest.raises(KeyError, match=r'data_prefix=dict\(soft_seg_map_path'):
        LoadSoftLabelMap()(dict(img=np.zeros((4, 4, 3), np.uint8)))


@pytest.mark.parametrize('key,shape', [('img', (5, 8, 3)),
                                       ('gt_seg_map', (6, 7))])
def test_size_mismatch_with_image_or_label(tmp_path, key, shape):
    results = {
        'soft_seg_map_path': _save(tmp_path, _soft()),
        key: np.zeros(shape, np.uint8)
    }
    with pytest.raises(ValueError, match=f'have the \\(H, W\\) of {key}'):
        LoadSoftLabelMap()(results)


@pytest.mark.parametrize('array,error,match', [
    (np.zeros((4, 4), np.float32), ValueError, r'shape \(C, H, W\)'),
    (np.zeros((2, 4, 4), np.int64), TypeError, 'floating-point'),
    (np.zeros((0, 4, 4), np.float32), ValueError, 'at least one class'),
])
def test_bad_array(tmp_path, array, error, match):
    with pytest.raises(error, match=match):
        LoadSoftLabelMap()(dict(soft_seg_map_path=_save(tmp_path, array)))


def test_not_an_npy_file(tmp_path):
    path = tmp_path / 'soft.npy'
    path.write_bytes(b'not numpy')
    with pytest.raises(ValueError, match='expected a .npy array'):
        LoadSoftLabelMap()(dict(soft_seg_map_path=str(path)))


def test_bad_backend_args():
    with pytest.raises(TypeError, match='backend_args to be a dict'):
        LoadSoftLabelMap(backend_args='disk')
