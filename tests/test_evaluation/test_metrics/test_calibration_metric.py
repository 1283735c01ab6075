"""Tests of ``CalibrationMetric`` and the reliability diagram."""
import math

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from torchmetrics.functional.classification import (
    binary_calibration_error, multiclass_calibration_error)

import mmseg_jml  # noqa: F401
from mmseg.registry import METRICS
from mmseg_jml.evaluation import CalibrationMetric
from mmseg_jml.evaluation.metrics.calibration_metric import bin_index
from mmseg_jml.utils.boundary import boundary_mask

IGN = 255


def _sample(seg_logits, gt):
    return dict(
        seg_logits=dict(data=torch.as_tensor(seg_logits)),
        gt_sem_seg=dict(data=torch.as_tensor(gt).long()[None]))


def _run(metric, samples, num_classes):
    metric.dataset_meta = dict(classes=tuple(f'c{i}' for i in range(
        num_classes)))
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def _random_samples(seed, num_classes, sizes=((9, 11), (6, 7), (8, 8)),
                    scale=2.0):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for h, w in sizes:
        # Blocky label maps so that there are interior and boundary pixels.
        gt = torch.randint(0, num_classes, (h // 3 + 1, w // 3 + 1),
                           generator=g).repeat_interleave(3, 0)
        gt = gt.repeat_interleave(3, 1)[:h, :w].contiguous()
        logits = scale * torch.randn(num_classes, h, w, generator=g)
        logits += 2.0 * torch.nn.functional.one_hot(gt, num_classes).permute(
            2, 0, 1) * (torch.rand(h, w, generator=g) < 0.7)
        gt[torch.rand(h, w, generator=g) < 0.1] = IGN
        samples.append(_sample(logits, gt))
    return samples


def _pixels(samples, kernel_size=None):
    """Probabilities (M, C) and labels (M,) of the counted (or boundary)
    pixels of all samples."""
    probs, labels = [], []
    for s in samples:
        p = s['seg_logits']['data'].float().softmax(0)
        y = s['gt_sem_seg']['data'][0]
        if kernel_size is None:
            mask = y != IGN
        else:
            mask = boundary_mask(y[None], p.shape[0], kernel_size)[0]
        probs.append(p[:, mask].T)
        labels.append(y[mask])
    probs, labels = torch.cat(probs), torch.cat(labels)
    # torchmetrics puts a confidence of exactly 1.0 into a bin of its own.
    assert probs.max() < 1.0
    return probs, labels


# torchmetrics accumulates in float32; the comparisons are to 1e-6 of the
# error as a fraction (1e-4 of our percentages).
def _torchmetrics_ece(probs, labels, num_bins):
    return 100 * float(
        multiclass_calibration_error(
            probs, labels, probs.shape[1], n_bins=num_bins, norm='l1'))


def _torchmetrics_sce(probs, labels, num_bins):
    return 100 * float(
        np.mean([
            float(
                binary_calibration_error(
                    probs[:, c].contiguous(), (labels == c).long(),
                    n_bins=num_bins, norm='l1'))
            for c in range(probs.shape[1])
        ]))


def _reference_sce(probs, labels, num_bins, official, classes=None):
    """Class-wise calibration error in per mille, class by class with
    ``torch.bucketize`` on the edges ``linspace(0, 1 - 1/nb, nb)``.

    ``official``: a hit of class c is "labelled c and predicted c", and a
    two-class task averages class 1 only (Table 15); else Nixon et al.: a
    hit is "labelled c", every class. ``classes`` overrides the classes
    averaged.
    """
    num_classes = probs.shape[1]
    pred = probs.argmax(1)
    edges = torch.linspace(0., 1. - 1. / num_bins, num_bins)
    if classes is None:
        classes = [1] if official and num_classes == 2 else range(
            num_classes)
    errors = []
    for c in classes:
        hit = (labels == c) & (pred == c) if official else labels == c
        conf = probs[:, c].contiguous()
        bins = torch.bucketize(conf, edges, right=True) - 1
        err = 0.0
        for b in range(num_bins):
            in_bin = bins == b
            err += abs(float(hit[in_bin].double().sum()) -
                       float(conf[in_bin].double().sum()))
        errors.append(err / len(labels))
    return 1000 * float(np.mean(errors))


# Three bins [0, 1/3), [1/3, 2/3), [2/3, 1]; four pixels, three classes.
#   pixel  p                 label  pred  top conf  bin  correct
#   1      (.9, .05, .05)    0      0     .9        2    yes
#   2      (.8, .1, .1)      1      0     .8        2    no
#   3      (.5, .3, .2)      0      0     .5        1    yes
#   4      (.2, .45, .35)    2      1     .45       1    no
# ECE = 2/4 |1/2 - .85| + 2/4 |1/2 - .475| = .175 + .0125 = .1875
# SCE (official: hit = labelled c and predicted c):
#      class 0: p0 = .9 .8 | .5 | .2, hits pixels 1, 3
#               -> (|1 - 1.7| + |1 - .5| + |0 - .2|) / 4 = 1.4 / 4 = .35
#      class 1: p1 = .05 .1 .3 | .45, no hit (pixel 2 is predicted 0)
#               -> (.45 + .45) / 4 = .225
#      class 2: p2 = .05 .1 .2 | .35, no hit (pixel 4 is predicted 1)
#               -> (.35 + .35) / 4 = .175
#      SCE = .75 / 3 = .25 -> 250 per mille
# SCE_nixon (hit = labelled c):
#      class 0 as above .35; class 1: |1 - .45|/4 + |0 - .45|/4 = .25;
#      class 2: |0 - .35|/4 + |1 - .35|/4 = .25; SCE = .85 / 3
HAND_PROBS = torch.tensor([[.9, .05, .05], [.8, .1, .1], [.5, .3, .2],
                           [.2, .45, .35], [.3, .3, .4]]).T.reshape(3, 1, 5)
HAND_GT = torch.tensor([[0, 1, 0, 2, IGN]])


def test_hand_computed_three_bin_example():
    metric = CalibrationMetric(num_bins=3, input_type='probs', decimals=None)
    out = _run(metric, [_sample(HAND_PROBS, HAND_GT)], 3)
    assert out['ECE'] == pytest.approx(18.75, abs=1e-4)  # percent
    assert out['SCE'] == pytest.approx(250, abs=1e-3)  # per mille
    assert out['SCE_nixon'] == pytest.approx(1000 * .85 / 3, abs=1e-3)
    # In the 1 x 5 strip the first three pixels are boundary pixels; the
    # window of pixel 4 holds the ignored pixel 5, so it is not one.
    probs4 = HAND_PROBS[:, :, :3]
    out3 = _run(
        CalibrationMetric(num_bins=3, input_type='probs', decimals=None),
        [_sample(probs4, HAND_GT[:, :3])], 3)
    assert out['BECE'] == pytest.approx(out3['ECE'], abs=1e-12)
    assert out['BSCE'] == pytest.approx(out3['SCE'], abs=1e-12)
    assert out['BSCE_nixon'] == pytest.approx(out3['SCE_nixon'], abs=1e-12)


def test_logits_input_equals_probs_input():
    logits = HAND_PROBS.log()
    metric = CalibrationMetric(num_bins=3, decimals=None)
    out = _run(metric, [_sample(logits, HAND_GT)], 3)
    assert out['ECE'] == pytest.approx(18.75, abs=1e-5)
    assert out['SCE'] == pytest.approx(250, abs=1e-3)


@pytest.mark.parametrize('num_bins', [1, 3, 10, 15])
@pytest.mark.parametrize('seed', [0, 1])
def test_ece_and_sce_match_references(num_bins, seed):
    samples = _random_samples(seed, num_classes=4)
    out = _run(CalibrationMetric(num_bins=num_bins, decimals=None), samples,
               4)
    probs, labels = _pixels(samples)
    assert out['ECE'] == pytest.approx(
        _torchmetrics_ece(probs, labels, num_bins), abs=1e-4)
    # torchmetrics' binary calibration error is Nixon's class-wise term.
    assert out['SCE_nixon'] == pytest.approx(
        10 * _torchmetrics_sce(probs, labels, num_bins), abs=1e-3)
    assert out['SCE_nixon'] == pytest.approx(
        _reference_sce(probs, labels, num_bins, official=False), abs=1e-6)
    assert out['SCE'] == pytest.approx(
        _reference_sce(probs, labels, num_bins, official=True), abs=1e-6)
    assert out['SCE'] != pytest.approx(out['SCE_nixon'], abs=1e-2)


def test_two_class_sce_averages_the_foreground_only():
    samples = _random_samples(4, num_classes=2)
    out = _run(CalibrationMetric(decimals=None), samples, 2)
    probs, labels = _pixels(samples)
    assert out['SCE'] == pytest.approx(
        _reference_sce(probs, labels, 10, official=True, classes=[1]),
        abs=1e-6)
    assert out['SCE'] != pytest.approx(
        _reference_sce(probs, labels, 10, official=True, classes=[0, 1]),
        abs=1e-3)
    assert out['SCE_nixon'] == pytest.approx(
        _reference_sce(probs, labels, 10, official=False, classes=[0, 1]),
        abs=1e-6)


@pytest.mark.parametrize('kernel_size', [3, 5])
def test_bece_equals_ece_on_the_boundary_mask(kernel_size):
    samples = _random_samples(3, num_classes=3)
    out = _run(
        CalibrationMetric(boundary_kernel_size=kernel_size, decimals=None),
        samples, 3)
    probs, labels = _pixels(samples, kernel_size)
    all_probs, _ = _pixels(samples)
    assert 0 < len(labels) < len(all_probs)
    assert out['BECE'] == pytest.approx(
        _torchmetrics_ece(probs, labels, 10), abs=1e-4)
    assert out['BSCE_nixon'] == pytest.approx(
        10 * _torchmetrics_sce(probs, labels, 10), abs=1e-3)
    assert out['BSCE'] == pytest.approx(
        _reference_sce(probs, labels, 10, official=True), abs=1e-6)
    assert out['BECE'] != pytest.approx(out['ECE'], abs=1e-3)


def _binary_sample(p1, gt, threshold):
    """A data sample as MMSeg's postprocess_result writes it for a model
    with one output channel: the sigmoid in seg_logits, the prediction at
    the decode head's threshold in pred_sem_seg (float, like MMSeg's)."""
    sample = _sample(p1, gt)
    sample['pred_sem_seg'] = dict(data=(p1 > threshold).to(p1))
    return sample


def test_single_channel_binary_seg_logits_are_probabilities():
    g = torch.Generator().manual_seed(0)
    p1 = torch.rand(1, 6, 6, generator=g) * 0.98 + 0.01
    gt = (torch.rand(6, 6, generator=g) < p1[0]).long()
    out = _run(CalibrationMetric(num_bins=15, decimals=None),
               [_binary_sample(p1, gt, 0.5)], 2)
    probs = torch.cat([1 - p1, p1]).reshape(2, -1).T
    assert out['ECE'] == pytest.approx(
        _torchmetrics_ece(probs, gt.reshape(-1), 15), abs=1e-4)


# Three background pixels, p1 = (.4, .4, .6), ten bins.
#   threshold .3: predicted 1 1 1, conf .4 .4 .6, no hit
#       bin 4: |0 - .8|, bin 6: |0 - .6|   -> ECE = 1.4 / 3
#   threshold .7: predicted 0 0 0, conf .6 .6 .4, three hits
#       bin 6: |2 - 1.2|, bin 3/4: |1 - .4| -> ECE = 1.4 / 3
#   at .5 (the arg-max of (1 - p, p)): predicted 0 0 1, conf .6 .6 .6,
#       two hits, bin 6: |2 - 1.8|         -> ECE = .2 / 3
@pytest.mark.parametrize('threshold', [0.3, 0.7])
def test_single_channel_prediction_uses_the_decode_head_threshold(threshold):
    p1 = torch.tensor([[[.4, .4, .6]]])
    gt = torch.zeros(1, 3, dtype=torch.long)
    out = _run(CalibrationMetric(decimals=None),
               [_binary_sample(p1, gt, threshold)], 2)
    assert out['ECE'] == pytest.approx(100 * 1.4 / 3, abs=1e-4)
    assert out['ECE'] != pytest.approx(100 * .2 / 3, abs=1e-2)
    # SCE of a two-class task: class 1 only, no pixel labelled 1 -> no hit;
    # p1 in bins 4 and 6: (.8 + .6) / 3, in per mille.
    assert out['SCE'] == pytest.approx(1000 * 1.4 / 3, abs=1e-3)


def test_single_channel_needs_pred_sem_seg_and_probabilities():
    metric = CalibrationMetric()
    metric.dataset_meta = dict(classes=('bg', 'fg'))
    p1 = torch.full((1, 2, 2), 0.4)
    with pytest.raises(KeyError, match='expected "pred_sem_seg" in the data '
                       'sample with a single-channel seg_logits'):
        metric.process({}, [_sample(p1, torch.zeros(2, 2))])
    with pytest.raises(ValueError, match=r'expected a single-channel '
                       r'seg_logits to hold the sigmoid probability of class '
                       r'1 in \[0, 1\].*got values in \[-2, 3\]'):
        metric.process({}, [
            _binary_sample(torch.tensor([[[-2., 3.]]]), torch.zeros(1, 2),
                           0.3)
        ])


@pytest.mark.parametrize('probs, match', [
    (torch.tensor([[[2.0]], [[-1.0]]]),
     r'got values in \[-1, 2\] and class sums in \[1, 1\]'),
    (torch.tensor([[[0.2]], [[0.3]]]),
     r'got values in \[0.2, 0.3\] and class sums in \[0.5, 0.5\]'),
    (torch.tensor([[[float('nan')]], [[1.0]]]), 'got non-finite values'),
])
def test_probs_input_must_be_probabilities(probs, match):
    metric = CalibrationMetric(input_type='probs')
    metric.dataset_meta = dict(classes=('a', 'b'))
    with pytest.raises(ValueError, match=r"expected probabilities in \[0, 1\] "
                       r"summing to 1 over the class axis \(input_type="
                       r"'probs'\), " + match):
        metric.process({}, [_sample(probs, torch.zeros(1, 1))])


class _StubSegmentor(torch.nn.Module):
    """What SegTTAModel needs of its module (merge_preds reads only
    out_channels)."""
    out_channels = 3

    def test_step(self, data):
        raise NotImplementedError('merge_preds is called directly')


def _tta_merged_sample():
    """Two views merged by MMSeg's own SegTTAModel.merge_preds."""
    from mmengine.structures import PixelData
    from mmseg.models import SegTTAModel
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    gt = torch.randint(0, 3, (1, 8, 8), generator=g)
    views = []
    for scale in (1.0, 6.0):  # the second view: over-confident logits
        view = SegDataSample(metainfo=dict(img_path='a.png'))
        view.seg_logits = PixelData(
            data=scale * torch.randn(3, 8, 8, generator=g))
        view.gt_sem_seg = PixelData(data=gt)
        views.append(view)
    merged = SegTTAModel(module=_StubSegmentor()).merge_preds([views])[0]
    return merged, views


def test_seg_tta_model_stores_the_last_views_logits():
    merged, views = _tta_merged_sample()
    # what the metric documents: seg_logits are the last view's raw logits
    assert torch.equal(merged.seg_logits.data, views[-1].seg_logits.data)
    sample = merged.to_dict()
    # input_type='probs' (the old documentation's advice) now raises
    metric = CalibrationMetric(input_type='probs')
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    with pytest.raises(ValueError, match='SegTTAModel merges the views'):
        metric.process({}, [sample])


def test_seg_tta_model_output_warns_and_measures_the_last_view(tmp_path):
    merged, views = _tta_merged_sample()
    log_file = tmp_path / 'tta.log'
    logger = MMLogger.get_instance('test_calibration_tta',
                                   log_file=str(log_file))
    metric = CalibrationMetric(decimals=None)
    out = _run(metric, [merged.to_dict()], 3)
    for handler in logger.handlers:
        handler.flush()
    assert 'pred_sem_seg differs from the arg-max of seg_logits' in \
        log_file.read_text()
    last_view = views[-1].to_dict()
    last_view.pop('pred_sem_seg', None)
    alone = _run(CalibrationMetric(decimals=None), [last_view], 3)
    assert out == alone


def test_confidence_one_goes_into_the_last_bin():
    values = torch.tensor([0.0, 0.2, 1 / 3, 0.5, 0.999, 1.0])
    assert bin_index(values, 3).tolist() == [0, 0, 1, 1, 2, 2]
    assert bin_index(values, 1).tolist() == [0] * 6


def test_no_boundary_gives_nan_and_class_wise_off():
    logits = torch.randn(2, 4, 4, generator=torch.Generator().manual_seed(0))
    out = _run(CalibrationMetric(class_wise=False),
               [_sample(logits, torch.zeros(4, 4))], 2)
    assert set(out) == {'ECE', 'BECE'}
    assert math.isnan(out['BECE']) and out['ECE'] > 0


def test_reliability_diagram_in_given_dir(tmp_path):
    import matplotlib.image
    metric = METRICS.build(
        dict(type='CalibrationMetric', reliability_diagram=True,
             reliability_diagram_dir=str(tmp_path / 'diagrams'),
             prefix='calib'))
    out = _run(metric, _random_samples(0, num_classes=3), 3)
    path = tmp_path / 'diagrams' / 'calib_reliability_diagram.png'
    image = matplotlib.image.imread(str(path))
    assert image.shape[1] > image.shape[0]  # two panels side by side
    assert set(out) == {
        'calib/ECE', 'calib/BECE', 'calib/SCE', 'calib/BSCE',
        'calib/SCE_nixon', 'calib/BSCE_nixon'
    }


def test_reliability_diagram_defaults_to_the_log_dir(tmp_path):
    log_dir = tmp_path / '20260101_000000'
    log_dir.mkdir()
    MMLogger.get_instance(
        'test_calibration_diagram',
        log_file=str(log_dir / '20260101_000000.log'))
    _run(CalibrationMetric(reliability_diagram=True),
         _random_samples(1, num_classes=3), 3)
    assert (log_dir / 'reliability_diagram.png').stat().st_size > 1000


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(num_bins=0), ValueError, 'expected num_bins >= 1, got 0'),
    (dict(num_bins=2.5), TypeError, 'expected num_bins to be an int, got '
     'float'),
    (dict(boundary_kernel_size=4), ValueError,
     'expected an odd boundary_kernel_size, got 4'),
    (dict(boundary_kernel_size=0), ValueError,
     'expected boundary_kernel_size >= 1, got 0'),
    (dict(input_type='softmax'), ValueError,
     "expected input_type 'logits' or 'probs', got 'softmax'"),
    (dict(class_wise=1), TypeError, 'expected class_wise to be a bool, got '
     'int'),
    (dict(reliability_diagram_dir=3), TypeError,
     'expected reliability_diagram_dir to be a path or None, got int'),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        CalibrationMetric(**kwargs)


def test_wrong_class_count():
    metric = CalibrationMetric()
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    with pytest.raises(
            ValueError, match=r'expected seg_logits with 3 classes \(the '
            r"length of dataset_meta\['classes'\]\) on the first axis, got 4"):
        metric.process({}, [_sample(torch.zeros(4, 2, 2), torch.zeros(2, 2))])


def test_missing_seg_logits_says_where_they_come_from():
    metric = CalibrationMetric()
    metric.dataset_meta = dict(classes=('a', 'b'))
    sample = dict(gt_sem_seg=dict(data=torch.zeros(1, 2, 2)),
                  pred_sem_seg=dict(data=torch.zeros(1, 2, 2)))
    with pytest.raises(KeyError, match=r'expected "seg_logits" in the data '
                       r"sample, got keys \['gt_sem_seg', 'pred_sem_seg'\].*"
                       r'postprocess_result.*EncoderDecoder'):
        metric.process({}, [sample])


@pytest.mark.parametrize('logits, gt, match', [
    (torch.zeros(2, 3, 3), torch.zeros(2, 2),
     r'expected seg_logits \(C, H, W\) and gt_sem_seg \(H, W\) of the same '
     r'H, W, got \(2, 3, 3\) and \(2, 2\)'),
    (torch.zeros(2, 3), torch.zeros(2, 3),
     r'expected seg_logits of shape \(C, H, W\), got \(2, 3\)'),
    (torch.zeros(2, 1, 2), torch.tensor([[0, 9]]),
     r'expected gt_sem_seg values in \[0, 2\) or ignore_index 255, got \[9\]'
     ),
])
def test_bad_shapes_and_labels(logits, gt, match):
    metric = CalibrationMetric()
    metric.dataset_meta = dict(classes=('a', 'b'))
    with pytest.raises(ValueError, match=match):
        metric.process({}, [_sample(logits, gt)])
