"""Tests of ``FineGrainedIoUMetric``."""
import math

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.structures import PixelData

import mmseg_jml  # noqa: F401
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample
from mmseg_jml.evaluation import FineGrainedIoUMetric
from mmseg_jml.evaluation.metrics.fine_grained_iou_metric import worst_count

IGN = 255


def _sample(pred, gt):
    return dict(
        pred_sem_seg=dict(data=torch.as_tensor(pred).long()[None]),
        gt_sem_seg=dict(data=torch.as_tensor(gt).long()[None]))


def _run(metric, samples, classes):
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


# Two images, classes a, b, c; hand-derived below. An image averages the
# classes of its ground truth (official accuracy_metric.py of JDTLosses).
# image 1: counted pixels 5 (the ignored one is predicted c: does not count)
#   a: gt 3, pred 2, I 2, U 3 -> IoU 2/3, Dice 4/5
#   b: gt 2, pred 3, I 2, U 3 -> IoU 2/3, Dice 4/5
#   c: absent from gt -> left out
#   image IoU 2/3, image Dice 4/5
# image 2:
#   a: gt 1, pred 0 -> IoU 0, Dice 0
#   b: gt 0, pred 1 -> predicted, absent from gt: left out
#   c: gt 3, pred 3, I 3 -> IoU 1, Dice 1
#   image IoU 1/2, image Dice 1/2
# class level: a (2/3, 0) -> 1/3, b (2/3) -> 2/3, c (1) -> 1
# worst cases at q: max(1, floor(q n)) values; n = 2 images gives 1 for
# q < 1 and 2 for q = 1, a class in 1 image always 1.
HAND_SAMPLES = [
    ([[0, 1, 1], [0, 1, 2]], [[0, 0, 1], [0, 1, IGN]]),
    ([[2, 2], [2, 1]], [[2, 2], [2, 0]]),
]
HAND_EXPECTED = {
    'aAcc': 7 / 9,  # (2 + 2 + 3) / (5 + 4)
    'mIoU': (2 / 4 + 2 / 4 + 3 / 3) / 3,  # dataset level: I/U per class
    'mAcc': (2 / 4 + 2 / 2 + 3 / 3) / 3,
    'mDice': (4 / 6 + 4 / 6 + 6 / 6) / 3,
    'mIoU_I': (2 / 3 + 1 / 2) / 2,
    'mIoU_C': ((2 / 3 + 0) / 2 + 2 / 3 + 1) / 3,
    'mDice_I': (4 / 5 + 1 / 2) / 2,
    'mDice_C': ((4 / 5 + 0) / 2 + 4 / 5 + 1) / 3,
    # q = 0.5 of 2 images -> the worst one; per class the worst image.
    'mIoU_I_worst50': 1 / 2,
    'mIoU_C_worst50': (0 + 2 / 3 + 1) / 3,
    'mDice_I_worst50': 1 / 2,
    'mDice_C_worst50': (0 + 4 / 5 + 1) / 3,
    # averaged over q = 10%...100%: nine times the q < 1 value, once q = 1
    'mIoU_I_worst_avg': (9 * 1 / 2 + (2 / 3 + 1 / 2) / 2) / 10,
    'mIoU_C_worst_avg': (9 * 5 / 9 + 2 / 3) / 10,
    'mDice_I_worst_avg': (9 * 1 / 2 + (4 / 5 + 1 / 2) / 2) / 10,
    'mDice_C_worst_avg': (9 * 3 / 5 + 11 / 15) / 10,
    'IoU.a': 2 / 4,
    'IoU.b': 2 / 4,
    'IoU.c grey': 1.0,
}


def test_hand_derived_two_image_example():
    metric = FineGrainedIoUMetric(worst_quantiles=(0.5, ), decimals=None)
    out = _run(metric, [_sample(p, g) for p, g in HAND_SAMPLES],
               ('a', 'b', 'c grey'))
    assert set(out) == set(HAND_EXPECTED)
    for key, value in HAND_EXPECTED.items():
        assert out[key] == pytest.approx(100 * value, abs=1e-9), key


def test_stray_predicted_pixel_of_an_absent_class():
    # Ground truth: classes 0 and 1; one pixel predicted 2, a class absent
    # from this image's ground truth.
    gt = [[0, 0, 0], [0, 0, 0], [1, 1, 1]]
    pred = [[0, 0, 2], [0, 0, 0], [1, 1, 1]]
    out = _run(FineGrainedIoUMetric(decimals=None), [_sample(pred, gt)],
               ('a', 'b', 'c'))
    # Official (active classes = the ground truth's): class 0 I 5, U 6;
    # class 1 I 3, U 3 -> (5/6 + 1) / 2. Counting class 2 (predicted, IoU 0)
    # as well would give (5/6 + 1 + 0) / 3.
    assert out['mIoU_I'] == pytest.approx(100 * 11 / 12)
    assert out['mIoU_C'] == pytest.approx(100 * 11 / 12)
    assert out['mDice_I'] == pytest.approx(100 * (10 / 11 + 1) / 2)
    # The dataset level is MMSeg's: class 2 has U = 1 and IoU 0.
    assert out['mIoU'] == pytest.approx(100 * (5 / 6 + 1 + 0) / 3)
    assert out['IoU.c'] == 0


def test_rounding_and_default_worst_keys():
    out = _run(FineGrainedIoUMetric(), [_sample(p, g) for p, g in
                                        HAND_SAMPLES], ('a', 'b', 'c'))
    assert out['mIoU_I'] == 58.33 and out['mIoU_C'] == 66.67
    assert out['mDice_I'] == 65.0
    # the official test configs' q = 5% and its averaged worst case
    for key in ('mIoU_I_worst5', 'mDice_C_worst5', 'mIoU_I_worst_avg',
                'mDice_C_worst_avg'):
        assert key in out
    out = _run(FineGrainedIoUMetric(worst_quantiles=(), worst_average=False),
               [_sample(p, g) for p, g in HAND_SAMPLES], ('a', 'b', 'c'))
    assert not [k for k in out if 'worst' in k]


def test_class_absent_everywhere_is_nan_unless_nan_to_num():
    samples = [_sample(p, g) for p, g in HAND_SAMPLES]
    classes = ('a', 'b', 'c', 'never')
    out = _run(FineGrainedIoUMetric(decimals=None), samples, classes)
    assert math.isnan(out['IoU.never'])
    assert out['mIoU'] == pytest.approx(100 * HAND_EXPECTED['mIoU'])
    assert out['mIoU_C'] == pytest.approx(100 * HAND_EXPECTED['mIoU_C'])
    out = _run(FineGrainedIoUMetric(decimals=None, nan_to_num=0), samples,
               classes)
    assert out['IoU.never'] == 0
    assert out['mIoU'] == pytest.approx(100 * HAND_EXPECTED['mIoU'] * 3 / 4)
    assert out['mIoU_C'] == pytest.approx(100 * HAND_EXPECTED['mIoU_C'] * 3 /
                                          4)
    # Image level averages over the classes of each image's ground truth.
    assert out['mIoU_I'] == pytest.approx(100 * HAND_EXPECTED['mIoU_I'])


def _random_samples(seed, num_images, num_classes, sizes=((7, 9), (5, 6))):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for i in range(num_images):
        h, w = sizes[i % len(sizes)]
        gt = torch.randint(0, num_classes, (h, w), generator=g)
        pred = torch.where(
            torch.rand(h, w, generator=g) < 0.6, gt,
            torch.randint(0, num_classes, (h, w), generator=g))
        gt[torch.rand(h, w, generator=g) < 0.1] = IGN
        samples.append(_sample(pred, gt))
    return samples


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('nan_to_num', [None, 0])
def test_dataset_level_equals_mmseg_iou_metric(seed, nan_to_num):
    classes = tuple(f'class{i}' for i in range(6))
    samples = _random_samples(seed, num_images=5, num_classes=5)
    ours = _run(FineGrainedIoUMetric(nan_to_num=nan_to_num), samples,
                classes)
    theirs = _run(
        IoUMetric(iou_metrics=['mIoU', 'mDice'], nan_to_num=nan_to_num),
        samples, classes)
    # MMSeg returns float32 values of the rounded numbers (70.08999633...).
    for key in ('aAcc', 'mIoU', 'mAcc', 'mDice'):
        assert ours[key] == pytest.approx(float(theirs[key]), abs=1e-4), key


def _official_count(q, n, per_class):
    """The official code's worst-case count: ``int(q / 100 * n)`` with a
    Python float for images, a float32 tensor product for classes."""
    if per_class:
        return max(1, int((q * torch.tensor([n])).to(torch.long)))
    return max(1, int(q * n))


def _reference_fine_grained(samples, num_classes, q):
    """Per-image IoU with Python sets over pixel coordinates, on the classes
    of each image's ground truth."""
    per_image, per_class = [], [[] for _ in range(num_classes)]
    for s in samples:
        pred = s['pred_sem_seg']['data'][0].numpy()
        gt = s['gt_sem_seg']['data'][0].numpy()
        counted = gt != IGN
        scores = []
        for c in range(num_classes):
            a = set(zip(*np.nonzero((pred == c) & counted)))
            b = set(zip(*np.nonzero(gt == c)))
            if b:
                iou = len(a & b) / len(a | b)
                scores.append(iou)
                per_class[c].append(iou)
        per_image.append(np.mean(scores))

    def worst(q):
        w_i = np.mean(sorted(per_image)[:_official_count(
            q, len(per_image), False)])
        w_c = np.mean([
            np.mean(sorted(v)[:_official_count(q, len(v), True)])
            for v in per_class if v
        ])
        return w_i, w_c

    averaged = np.mean([worst(k / 100) for k in range(10, 110, 10)], axis=0)
    return dict(
        mIoU_I=np.mean(per_image),
        mIoU_C=np.mean([np.mean(v) for v in per_class if v]),
        worst_I=worst(q)[0],
        worst_C=worst(q)[1],
        avg_I=averaged[0],
        avg_C=averaged[1])


@pytest.mark.parametrize('seed, q, tag', [(0, 0.2, '20'), (1, 0.05, '5'),
                                          (2, 0.25, '25')])
def test_image_and_class_level_against_reference(seed, q, tag):
    samples = _random_samples(seed, num_images=30, num_classes=7,
                              sizes=((3, 4), (4, 4), (2, 5)))
    out = _run(FineGrainedIoUMetric(worst_quantiles=(q, ), decimals=None),
               samples, tuple('abcdefg'))
    ref = _reference_fine_grained(samples, 7, q)
    assert out['mIoU_I'] == pytest.approx(100 * ref['mIoU_I'])
    assert out['mIoU_C'] == pytest.approx(100 * ref['mIoU_C'])
    assert out[f'mIoU_I_worst{tag}'] == pytest.approx(100 * ref['worst_I'])
    assert out[f'mIoU_C_worst{tag}'] == pytest.approx(100 * ref['worst_C'])
    assert out['mIoU_I_worst_avg'] == pytest.approx(100 * ref['avg_I'])
    assert out['mIoU_C_worst_avg'] == pytest.approx(100 * ref['avg_C'])
    assert out[f'mIoU_I_worst{tag}'] < out['mIoU_I_worst_avg'] < out[
        'mIoU_I']


@pytest.mark.parametrize('q, n, images, classes', [
    (0.05, 19, 1, 1),  # floor, at least one
    (0.05, 40, 2, 2),
    (0.1, 25, 2, 2),
    (0.7, 90, 62, 63),  # float64 0.7 * 90 = 62.99999999999999
    (1.0, 7, 7, 7),
])
def test_worst_count_is_the_official_floor(q, n, images, classes):
    assert worst_count(q, n) == images == _official_count(q, n, False)
    assert worst_count(q, n, per_class=True) == classes == _official_count(
        q, n, True)


def test_through_evaluator_with_seg_data_samples_and_registry():
    metric = METRICS.build(dict(type='FineGrainedIoUMetric', prefix='fg'))
    evaluator = Evaluator([metric])
    evaluator.dataset_meta = dict(classes=('a', 'b', 'c'))
    samples = []
    for pred, gt in HAND_SAMPLES:
        s = SegDataSample()
        s.pred_sem_seg = PixelData(data=torch.tensor(pred)[None])
        s.gt_sem_seg = PixelData(data=torch.tensor(gt)[None])
        samples.append(s)
    evaluator.process(samples)
    out = evaluator.evaluate(2)
    assert out['fg/mIoU_I'] == 58.33 and out['fg/IoU.c'] == 100.0


def test_per_class_table_is_logged(tmp_path):
    log_file = tmp_path / 'run.log'
    logger = MMLogger.get_instance('test_fg_table', log_file=str(log_file))
    _run(FineGrainedIoUMetric(), [_sample(p, g) for p, g in HAND_SAMPLES],
         ('a', 'b', 'c'))
    for handler in logger.handlers:
        handler.flush()
    out = log_file.read_text()
    assert 'per class results' in out
    assert 'IoU_C' in out and 'Dice_C' in out


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(worst_quantiles=(0, )), ValueError,
     r'expected worst_quantiles in \(0, 1\], got 0'),
    (dict(worst_quantiles=(1.5, )), ValueError,
     r'expected worst_quantiles in \(0, 1\], got 1.5'),
    (dict(worst_quantiles=0.1), TypeError,
     'expected worst_quantiles to be a sequence of floats, got float'),
    (dict(worst_quantiles=('10%', )), TypeError,
     'expected worst_quantiles to hold floats, got str'),
    (dict(decimals=-1), ValueError, 'expected decimals >= 0, got -1'),
    (dict(ignore_index=1.5), TypeError,
     'expected ignore_index to be an int, got float'),
    (dict(nan_to_num='0'), TypeError,
     'expected nan_to_num to be a number or None, got str'),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        FineGrainedIoUMetric(**kwargs)


@pytest.mark.parametrize('pred, gt, error, match', [
    ([[0, 5]], [[0, 1]], ValueError,
     r'expected pred_sem_seg values in \[0, 3\) or ignore_index None, '
     r'got \[5\]'),
    ([[0, 1]], [[0, 7]], ValueError,
     r'expected gt_sem_seg values in \[0, 3\) or ignore_index 255, got \[7\]'
     ),
    ([[0, 1, 1]], [[0, 1]], ValueError,
     'expected pred_sem_seg and gt_sem_seg of the same shape'),
])
def test_bad_inputs(pred, gt, error, match):
    metric = FineGrainedIoUMetric()
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    with pytest.raises(error, match=match):
        metric.process({}, [_sample(pred, gt)])


def test_missing_dataset_meta_and_prediction():
    metric = FineGrainedIoUMetric()
    with pytest.raises(ValueError, match='expected dataset_meta with a '
                       '"classes" entry'):
        metric.process({}, [_sample([[0]], [[0]])])
    metric.dataset_meta = dict(classes=('a', ))
    with pytest.raises(KeyError, match='expected "pred_sem_seg" in the data '
                       'sample'):
        metric.process({}, [dict(gt_sem_seg=dict(data=torch.zeros(1, 1, 1)))])
