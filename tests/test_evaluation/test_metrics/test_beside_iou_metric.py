"""The metrics beside MMSeg's ``IoUMetric`` in one MMEngine ``Evaluator``
and in a Runner's validation (issue 15, item 1)."""
import copy
import os.path as osp

import pytest
import torch

import mmseg_jml  # noqa: F401,I001  (first: installs the mmcv.ops stand-in)
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.hooks import Hook
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

from mmseg_jml.utils.runtime import revert_sync_bn_in_config

CLASSES = ('a', 'b', 'c')
IOU = dict(type='IoUMetric', iou_metrics=['mIoU'])
FINE = dict(type='FineGrainedIoUMetric')
CALIB = dict(type='CalibrationMetric', num_bins=10)


def _data_samples(seed=0, num=3):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(num):
        gt = torch.randint(0, 3, (1, 6, 7), generator=g)
        logits = torch.randn(3, 6, 7, generator=g) + 2 * torch.nn.functional.\
            one_hot(gt[0], 3).permute(2, 0, 1)
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=gt)
        s.seg_logits = PixelData(data=logits)
        s.pred_sem_seg = PixelData(data=logits.argmax(0, keepdim=True))
        samples.append(s)
    return samples


def _evaluate(metric_cfgs):
    # MMSeg's registry, as a Runner with default_scope='mmseg' builds them
    evaluator = Evaluator(
        [METRICS.build(cfg) for cfg in copy.deepcopy(metric_cfgs)])
    evaluator.dataset_meta = dict(classes=CLASSES)
    samples = _data_samples()
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


FINE_KEYS = {'mIoU_I', 'mIoU_C', 'mDice_I', 'mDice_C', 'mIoU_I_worst5',
             'mIoU_I_worst_avg', 'IoU.a'}
CALIB_KEYS = {'ECE', 'BECE', 'SCE', 'BSCE', 'SCE_nixon', 'BSCE_nixon'}


@pytest.mark.parametrize('order', ['iou first', 'iou last'])
def test_iou_fine_grained_and_calibration_in_one_evaluator(order):
    cfgs = [IOU, FINE, CALIB] if order == 'iou first' else [FINE, CALIB, IOU]
    out = _evaluate(cfgs)
    # IoUMetric's keys come from IoUMetric, the rest from ours.
    iou_alone = _evaluate([IOU])
    assert set(iou_alone) == {'aAcc', 'mIoU', 'mAcc'}
    for key, value in iou_alone.items():
        assert out[key] == value
    assert FINE_KEYS | CALIB_KEYS <= set(out)
    assert 'mDice' in out  # IoUMetric computes no mDice here
    # and they agree: the fine-grained metric alone gives the same numbers
    fine_alone = _evaluate([FINE])
    for key in ('aAcc', 'mIoU', 'mAcc'):
        assert fine_alone[key] == pytest.approx(float(iou_alone[key]),
                                                abs=1e-4)
    for key in fine_alone.keys() - {'aAcc', 'mIoU', 'mAcc'}:
        assert out[key] == fine_alone[key]


def test_iou_metric_with_mdice_takes_mdice_too():
    out = _evaluate([dict(IOU, iou_metrics=['mIoU', 'mDice']), FINE])
    assert out['mDice'] == _evaluate([dict(IOU, iou_metrics=['mDice'])
                                      ])['mDice']


def test_direct_evaluate_reports_every_key():
    # Outside an Evaluator there is no IoUMetric to defer to.
    from mmseg_jml.evaluation import FineGrainedIoUMetric
    metric = FineGrainedIoUMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [s.to_dict() for s in _data_samples()])
    alone = metric.evaluate(3)
    assert {'aAcc', 'mIoU', 'mAcc', 'mDice'} <= set(alone)


def test_different_prefixes_keep_every_key():
    out = _evaluate([dict(IOU, prefix='mmseg'), dict(FINE, prefix='fine')])
    assert {'mmseg/aAcc', 'mmseg/mIoU', 'fine/aAcc', 'fine/mIoU',
            'fine/mIoU_I'} <= set(out)
    # an IoUMetric with another prefix does not take our keys
    out = _evaluate([dict(IOU, prefix='mmseg'), FINE])
    assert {'mmseg/mIoU', 'mIoU', 'aAcc', 'mIoU_I'} <= set(out)


def test_fine_grained_alone_keeps_miou():
    out = _evaluate([FINE, CALIB])
    assert {'aAcc', 'mIoU', 'mAcc', 'mDice'} | FINE_KEYS | CALIB_KEYS <= set(
        out)


def _runner_cfg(config_path, data_root, work_dir, evaluator, max_iters):
    cfg = Config.fromfile(config_path)
    revert_sync_bn_in_config(cfg)
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].dataset.data_root = data_root
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.merge_from_dict(
        dict(
            work_dir=work_dir,
            randomness=dict(seed=0),
            train_cfg=dict(max_iters=max_iters, val_interval=max_iters),
            param_scheduler=[],
            default_hooks=dict(
                checkpoint=dict(
                    interval=max_iters + 1, save_last=False,
                    save_best='mIoU', rule='greater'),
                logger=dict(interval=1)),
            visualizer=dict(vis_backends=[])))
    cfg.val_evaluator = evaluator
    return cfg


class _ValRecorder(Hook):
    """The metrics of every validation, as hooks receive them."""

    def __init__(self):
        self.metrics = []

    def after_val_epoch(self, runner, metrics=None):
        self.metrics.append(dict(metrics))


@pytest.mark.parametrize('evaluator', [[IOU, FINE, CALIB], [FINE, CALIB]],
                         ids=['beside IoUMetric', 'alone'])
def test_runner_validation_and_save_best(synthetic_config,
                                         synthetic_data_root, tmp_path,
                                         evaluator):
    from mmengine.runner import Runner
    work_dir = str(tmp_path / 'work')
    cfg = _runner_cfg(synthetic_config, synthetic_data_root, work_dir,
                      copy.deepcopy(evaluator), max_iters=2)
    runner = Runner.from_cfg(cfg)
    recorder = _ValRecorder()
    runner.register_hook(recorder, priority='VERY_HIGH')
    runner.train()  # validates once at the end, then saves the best
    assert len(recorder.metrics) == 1
    row = recorder.metrics[0]
    assert FINE_KEYS - {'IoU.a'} <= set(row)
    assert {'ECE', 'BECE', 'SCE', 'SCE_nixon', 'aAcc', 'mIoU'} <= set(row)
    # save_best='mIoU' found its key (MMEngine only warns when it does not)
    assert osp.isfile(osp.join(work_dir, 'best_mIoU_iter_2.pth'))
    metrics = runner.val()  # a second validation of the same model
    assert metrics['mIoU'] == pytest.approx(row['mIoU'], abs=1e-6)
    assert CALIB_KEYS <= set(metrics)
