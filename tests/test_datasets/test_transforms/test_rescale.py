"""RandomRescale: a continuous factor of each image's own size, drawn per
image, with the label, the other seg fields and soft maps aligned."""
import numpy as np
import pytest
from mmcv.transforms import Compose

import mmseg_jml  # noqa: F401
from mmseg.datasets.transforms import Resize
from mmseg.registry import TRANSFORMS
from mmseg_jml.datasets.transforms import gather_soft_label_map
from mmseg_jml.datasets.transforms.rescale import RandomRescale


@pytest.fixture(autouse=True)
def mmseg_scope():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def _results(height, width, classes=4, block=8):
    """An image whose colour is 40 x the label, constant on block x block
    squares of labels 0...classes-1."""
    yy, xx = np.mgrid[:height, :width]
    label = ((yy // block + xx // block) % classes).astype(np.uint8)
    img = np.repeat((40 * label)[..., None], 3, axis=2).astype(np.uint8)
    return dict(
        img=img,
        gt_seg_map=label,
        seg_fields=['gt_seg_map'],
        img_shape=(height, width),
        ori_shape=(height, width))


def _factor(seed, low=0.5, high=2.0):
    """The factor the transform draws after np.random.seed(seed)."""
    np.random.seed(seed)
    return np.random.random_sample() * (high - low) + low


@pytest.mark.parametrize('seed', range(4))
@pytest.mark.parametrize('size', [(100, 60), (375, 500)])
def test_equals_resize_by_the_drawn_factor(seed, size):
    """Dense reference: MMSeg's Resize(scale_factor=s, keep_ratio=True) with
    the factor s drawn from NumPy's generator."""
    expected = Resize(scale_factor=_factor(seed), keep_ratio=True)(
        _results(*size))
    np.random.seed(seed)
    out = RandomRescale()(_results(*size))
    np.testing.assert_array_equal(out['img'], expected['img'])
    np.testing.assert_array_equal(out['gt_seg_map'], expected['gt_seg_map'])
    for key in ('scale', 'scale_factor', 'keep_ratio', 'img_shape'):
        assert out[key] == expected[key]


@pytest.mark.parametrize('size', [(100, 60), (375, 500), (512, 1024)])
def test_sizes_are_own_size_times_factor(size):
    height, width = size
    for seed in range(20):
        factor = _factor(seed)
        np.random.seed(seed)
        out = RandomRescale()(_results(height, width))
        h, w = out['img'].shape[:2]
        assert abs(h - height * factor) <= 1 and abs(w - width * factor) <= 1
        assert out['gt_seg_map'].shape == (h, w)
        assert out['img_shape'] == (h, w)
        assert out['keep_ratio'] is True
        np.testing.assert_allclose(out['scale_factor'], (w / width,
                                                         h / height))


def test_factor_is_continuous_and_drawn_per_image():
    """Consecutive images get fresh factors, spread over the whole range,
    not from a grid (the previous 31-value RandomChoice)."""
    np.random.seed(0)
    transform = RandomRescale(ratio_range=(0.5, 2.0))
    factors = np.array([
        transform(_results(400, 400))['img'].shape[0] / 400
        for _ in range(200)
    ])
    assert factors.min() >= 0.5 and factors.max() <= 2.0
    assert factors.min() < 0.6 and factors.max() > 1.9
    assert len(np.unique(factors)) > 150
    off_grid = np.abs(factors / 0.05 - np.round(factors / 0.05)) * 0.05
    assert (off_grid > 0.006).mean() > 0.5
    # uniform: each third of the range gets about a third of the draws
    counts = np.histogram(factors, bins=3, range=(0.5, 2.0))[0]
    assert counts.min() > 40


@pytest.mark.parametrize('seed', range(6))
def test_image_and_label_stay_aligned(seed):
    """Bilinear image, nearest label: wherever the label is constant on a
    5x5 neighbourhood, the image is 40 x that label. (OpenCV's nearest
    sampling sits half a source pixel from its bilinear one, up to one
    output pixel at factor 2, as in the official cv2.resize calls; a shift
    by one block would put the image 40 off.)"""
    np.random.seed(seed)
    out = RandomRescale()(_results(96, 72, block=16))
    label = out['gt_seg_map'].astype(int)
    img = out['img'][..., 0].astype(int)
    inner = np.ones_like(label, dtype=bool)
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            inner &= np.roll(label, (dy, dx), axis=(0, 1)) == label
    inner[:2] = inner[-2:] = False
    inner[:, :2] = inner[:, -2:] = False
    assert inner.mean() > 0.2
    np.testing.assert_array_equal(img[inner], 40 * label[inner])


def _soft_results(tmp_path, height=40, width=52, classes=4):
    """A coordinate image (B = 17, G = column, R = row), a soft map with
    distinct vectors and its arg-max label, through LoadSoftLabelMap."""
    rng = np.random.default_rng(0)
    soft = rng.dirichlet(np.ones(classes), size=(height, width)).transpose(
        2, 0, 1).astype(np.float32)
    path = tmp_path / 'soft.npy'
    np.save(path, soft)
    yy, xx = np.mgrid[:height, :width]
    img = np.stack([np.full_like(yy, 17), xx, yy], -1).astype(np.uint8)
    results = dict(
        img=img,
        gt_seg_map=soft.argmax(0).astype(np.uint8),
        seg_fields=['gt_seg_map'],
        soft_seg_map_path=str(path))
    return TRANSFORMS.build(dict(type='LoadSoftLabelMap'))(results), soft


@pytest.mark.parametrize('seed', range(8))
def test_soft_map_and_seg_fields_follow_the_image(tmp_path, seed):
    """With nearest interpolation for the image too, each output pixel
    names its source pixel: the label, an extra seg field and the gathered
    soft vector are exactly the source pixel's."""
    results, soft = _soft_results(tmp_path)
    results['gt_extra'] = (results['gt_seg_map'] * 3).astype(np.uint8)
    results['seg_fields'].append('gt_extra')
    np.random.seed(seed)
    out = Compose([
        dict(type='RandomRescale', interpolation='nearest'),
        dict(type='RandomCrop', crop_size=(30, 36)),
    ])(results)
    rows = out['img'][..., 2].astype(int)
    cols = out['img'][..., 1].astype(int)
    label = soft.argmax(0)
    np.testing.assert_array_equal(out['gt_seg_map'], label[rows, cols])
    np.testing.assert_array_equal(out['gt_extra'], 3 * label[rows, cols])
    np.testing.assert_array_equal(
        gather_soft_label_map(out), soft[:, rows, cols])


@pytest.mark.parametrize('ratio_range,error,match', [
    ((0.5, ), TypeError, 'expected ratio_range to be a'),
    (0.5, TypeError, 'expected ratio_range to be a'),
    (('0.5', 2.0), TypeError, 'expected ratio_range to hold numbers'),
    ((True, 2.0), TypeError, 'expected ratio_range to hold numbers'),
    ((0.0, 2.0), ValueError, r'expected finite ratios > 0'),
    ((0.5, float('inf')), ValueError, r'expected finite ratios > 0'),
    ((2.0, 0.5), ValueError, r'expected ratio_range\[0\] <= ratio_range'),
])
def test_invalid_ratio_range(ratio_range, error, match):
    with pytest.raises(error, match=match):
        RandomRescale(ratio_range=ratio_range)


@pytest.mark.parametrize('kwargs,match', [
    (dict(interpolation='cubic'), 'expected interpolation in'),
    (dict(backend='opencv'), 'expected backend in'),
    (dict(backend='pillow', interpolation='area'),
     "expected interpolation 'nearest' or 'bilinear' with the pillow"),
])
def test_invalid_interpolation_or_backend(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomRescale(**kwargs)


def test_missing_image():
    with pytest.raises(KeyError, match='expected an "img" to rescale'):
        RandomRescale()(dict(gt_seg_map=np.zeros((4, 4), np.uint8)))


def test_fixed_range_and_repr():
    """A degenerate range is a plain Resize by that factor."""
    out = TRANSFORMS.build(
        dict(type='RandomRescale', ratio_range=(0.5, 0.5)))(_results(64, 48))
    assert out['img'].shape[:2] == (32, 24)
    assert out['scale_factor'] == (0.5, 0.5)
    assert repr(RandomRescale()) == (
        "RandomRescale(ratio_range=(0.5, 2.0), interpolation='bilinear', "
        "backend='cv2')")
