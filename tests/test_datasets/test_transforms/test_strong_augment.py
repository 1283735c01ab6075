"""StrongIntensityAugment (AugSeg's pool and magnitudes, pixel alignment) and
MultiBranch (shared geometry, unlabelled branches without labels)."""
import numpy as np
import pytest
from mmcv.transforms import Compose
from PIL import Image

import mmseg_jml  # noqa: F401
from mmseg_jml.datasets.transforms.multi_branch import MultiBranch
from mmseg_jml.datasets.transforms.strong_augment import (
    AUGSEG_OPS, StrongIntensityAugment, apply_intensity_op)


def _two_region_image():
    img = np.zeros((24, 32, 3), dtype=np.uint8)
    img[:, :16] = (30, 120, 200)
    img[:, 16:] = (220, 60, 10)
    return img


@pytest.mark.parametrize('name,magnitude', [
    ('identity', 0), ('autocontrast', 0), ('equalize', 0), ('blur', 2.0),
    ('contrast', 0.05), ('brightness', 0.5), ('color', 0.2),
    ('sharpness', 0.3), ('posterize', 4), ('solarize', 100), ('hue', -0.4),
    ('hue', 0.5)])
def test_each_op_keeps_geometry(name, magnitude):
    """Output pixels depend only on their own value (blur/sharpness on a
    neighbourhood): the two regions stay where they were."""
    img = _two_region_image()
    out = np.asarray(apply_intensity_op(Image.fromarray(img), name,
                                        magnitude))
    assert out.shape == img.shape and out.dtype == np.uint8
    margin = 8 if name == 'blur' else 2  # blur radius 2 reaches ~3 sigma
    left, right = out[:, :16 - margin], out[:, 16 + margin:]
    assert (left == left[0, 0]).all() and (right == right[0, 0]).all()


def test_hand_values_of_ops():
    img = Image.fromarray(np.full((2, 2, 3), 200, dtype=np.uint8))
    assert np.asarray(apply_intensity_op(img, 'solarize', 100))[0, 0, 0] == 55
    assert np.asarray(apply_intensity_op(img, 'posterize', 4))[0, 0, 0] == 192
    assert np.asarray(apply_intensity_op(img, 'brightness',
                                         0.5))[0, 0, 0] == 100
    red = Image.fromarray(np.tile(np.uint8([255, 0, 0]), (2, 2, 1)))
    shifted = np.asarray(apply_intensity_op(red, 'hue', 1 / 3))[0, 0]
    assert shifted[1] > 200 and shifted[0] < 30  # red -> green


def test_sampled_ops_follow_augseg_ranges():
    np.random.seed(0)
    aug = StrongIntensityAugment()
    counts, mags = [], {}
    for _ in range(3000):
        ops = aug.sample_ops()
        counts.append(len(ops))
        for name, magnitude in ops:
            mags.setdefault(name, []).append(magnitude)
    assert set(counts) == {1, 2, 3}
    assert set(mags) == set(AUGSEG_OPS)  # with replacement, uniform pool
    assert set(mags['posterize']) == {4.0, 5.0, 6.0, 7.0}
    assert min(mags['solarize']) >= 1 and max(mags['solarize']) <= 255
    for name in ('contrast', 'brightness', 'color', 'sharpness'):
        assert 0.05 <= min(mags[name]) and max(mags[name]) <= 0.95
    assert 0.1 <= min(mags['blur']) and max(mags['blur']) <= 2.0
    hue = np.array(mags['hue'])
    assert np.abs(hue).max() <= 0.5 and (hue < 0).any() and (hue > 0).any()
    assert {len(StrongIntensityAugment(3, False).sample_ops())} == {3}


def test_transform_changes_only_the_image():
    np.random.seed(1)
    img = _two_region_image()
    results = dict(img=img.copy(), gt_seg_map=np.zeros((24, 32), np.uint8))
    out = StrongIntensityAugment(ops=['solarize'],
                                 random_num_ops=False,
                                 num_ops=1)(results)
    assert out['img'].shape == img.shape and out['strong_ops'][0][0] == \
        'solarize'
    assert (out['gt_seg_map'] == 0).all()


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(num_ops=0), ValueError, 'num_ops'),
    (dict(num_ops=2.0), TypeError, 'num_ops to be an int'),
    (dict(ops=['invert']), ValueError, 'pool of operations'),
    (dict(ops='blur'), TypeError, 'list of operation names'),
    (dict(random_num_ops=1), TypeError, 'random_num_ops'),
])
def test_augment_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        StrongIntensityAugment(**kwargs)


def _unlabelled_pipeline(ops):
    return Compose([
        dict(type='RandomCrop', crop_size=(16, 16)),
        dict(type='RandomFlip', prob=0.5),
        dict(type='MultiBranch',
             branch_field=['sup', 'unsup_teacher', 'unsup_student'],
             branch_pipelines=dict(
                 unsup_teacher=[dict(type='PackSegInputs')],
                 unsup_student=[
                     dict(type='StrongIntensityAugment', ops=ops),
                     dict(type='PackSegInputs')
                 ]))
    ])


def test_branches_share_geometry_and_carry_no_label():
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)
    np.random.seed(0)
    out = _unlabelled_pipeline(['identity'])(dict(img=img, img_shape=(40,
                                                                        40),
                                                  ori_shape=(40, 40)))
    assert out['inputs']['sup'] is None and out['data_samples']['sup'] is None
    weak, strong = out['inputs']['unsup_teacher'], out['inputs'][
        'unsup_student']
    assert (weak == strong).all()  # identity: the same crop and flip
    for branch in ('unsup_teacher', 'unsup_student'):
        assert 'gt_sem_seg' not in out['data_samples'][branch]
    np.random.seed(0)
    out = _unlabelled_pipeline(['solarize'])(dict(img=img, img_shape=(40, 40),
                                                  ori_shape=(40, 40)))
    weak = out['inputs']['unsup_teacher'].numpy()
    strong = out['inputs']['unsup_student'].numpy()
    # pointwise: equal weak pixels give equal strong pixels
    flat_w = weak.reshape(3, -1).T
    flat_s = strong.reshape(3, -1).T
    lookup = {}
    for w, s in zip(map(tuple, flat_w), map(tuple, flat_s)):
        assert lookup.setdefault(w, s) == s
    assert not (weak == strong).all()


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(branch_field='sup', branch_pipelines=dict(sup=[])), TypeError,
     'list of str'),
    (dict(branch_field=['sup', 'sup'], branch_pipelines=dict(sup=[])),
     ValueError, 'distinct'),
    (dict(branch_field=['sup'], branch_pipelines=dict(unsup=[])),
     ValueError, 'keys in'),
    (dict(branch_field=['sup'], branch_pipelines={}), TypeError,
     'non-empty dict'),
])
def test_multi_branch_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        MultiBranch(**kwargs)
