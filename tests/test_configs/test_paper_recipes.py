"""The paper configs are the official code's experiments (docs/recipes.md).

For one config per data set and architecture family: the optimizer's
parameter groups, the learning rate from MMEngine's own schedulers against
the official LambdaLR (zifuwanggg/JDTLosses, main.py), the loss modules and
weights on each head (models/segmentor.py), the test mode and window, the
train and test pipelines (datas/datasets/base_dataset.py) and the
evaluators (configs/test/test_iou_ece.yaml). Models are built once per
module, on the CPU, with their ImageNet weights switched off.
"""
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS, init_default_scope

import mmseg_jml  # noqa: F401
from mmseg.registry import MODELS, TRANSFORMS
from mmseg_jml.utils import revert_sync_bn_in_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: family -> (data set, CE root config, crop, classes, recipe)
FAMILIES = {
    'deeplabv3': ('cityscapes', 'ce_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024',
                  (512, 1024), 19, 'sgd40k'),
    'pspnet': ('voc12aug', 'ce_pspnet_r18-d8_4xb2-40k_voc12aug-512x512',
               (512, 512), 21, 'sgd40k'),
    'segformer': ('ade20k', 'ce_segformer_mit-b0_4xb2-40k_ade20k-512x512',
                  (512, 512), 150, 'adamw40k'),
    'unet': ('deepglobe', 'ce_unet-head_r18_4xb2-10k_deepglobe-512x512',
             (512, 512), 6, 'sgd10k'),
}
#: recipe -> (optimizer, lr, weight decay, iterations, poly power)
RECIPES = {
    'sgd40k': ('SGD', 0.01, 5e-4, 40000, 0.9),
    'sgd10k': ('SGD', 0.01, 5e-4, 10000, 0.9),
    'adamw40k': ('AdamW', 6e-5, 0.01, 40000, 1.0),
}


def _path(family, method='ce'):
    dataset, name, *_ = FAMILIES[family]
    return osp.join(REPO, 'configs', dataset, name.replace('ce_', f'{method}_',
                                                          1) + '.py')


def _load(path, pretraining_off):
    cfg = Config.fromfile(path)
    pretraining_off(cfg)
    return cfg


def _build(model_cfg):
    model_cfg = model_cfg.copy()
    revert_sync_bn_in_config(model_cfg)
    init_default_scope('mmseg')
    return MODELS.build(model_cfg)


@pytest.fixture(scope='module', params=list(FAMILIES))
def built(request, pretraining_off):
    """(family, config, model) of each family's JML config."""
    torch.manual_seed(0)
    cfg = _load(_path(request.param, 'jml'), pretraining_off)
    return request.param, cfg, _build(cfg.model)


def official_lr(base_lr, i, max_iters, power, start_lr=1e-6):
    """The official learning rate at iteration ``i`` (main.py's lr_lambda:
    warm-up over warmup_ratio 0.01 of the iterations, then poly)."""
    warmup = 0.01 * max_iters
    if i < warmup:
        factor = max(start_lr / base_lr, i / warmup)
    else:
        factor = (1 - (i - warmup) / (max_iters - warmup))**power
    return base_lr * factor


# ---------------------------------------------------------------- optimizer
def test_param_groups(built):
    """Heads at 10x the backbone's lr; no weight decay on 1-D parameters
    (the official group_weight), weight decay elsewhere."""
    family, cfg, model = built
    kind, lr, wd, _, _ = RECIPES[FAMILIES[family][4]]
    init_default_scope('mmseg')
    optimizer = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    assert type(optimizer).__name__ == kind
    if kind == 'SGD':
        assert optimizer.defaults['momentum'] == 0.9
    else:
        assert optimizer.defaults['betas'] == (0.9, 0.999)
    group_of = {
        id(p): group
        for group in optimizer.param_groups for p in group['params']
    }
    seen = {'head_1d': 0, 'head_nd': 0, 'backbone_1d': 0, 'backbone_nd': 0}
    for name, param in model.named_parameters():
        group = group_of[id(param)]
        head = name.startswith(('decode_head.', 'auxiliary_head.'))
        assert group['lr'] == pytest.approx(lr * (10 if head else 1)), name
        expected_wd = 0.0 if param.ndim == 1 else wd
        assert group['weight_decay'] == pytest.approx(expected_wd), name
        seen[('head' if head else 'backbone') +
             ('_1d' if param.ndim == 1 else '_nd')] += 1
    assert all(count > 0 for count in seen.values()), seen
    assert sum(len(g['params']) for g in optimizer.param_groups) == len(
        list(model.parameters()))


@pytest.mark.parametrize('family', list(FAMILIES))
def test_learning_rate_schedule(family, pretraining_off):
    """MMEngine's schedulers of the config give the official learning rate
    at iterations 0, 1%, 50% and the last, for the backbone and the heads;
    after the warm-up at every iteration."""
    cfg = _load(_path(family), pretraining_off)
    kind, lr, _, max_iters, power = RECIPES[FAMILIES[family][4]]
    assert cfg.train_cfg.max_iters == max_iters
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(2)]
    optimizer = torch.optim.SGD([
        dict(params=[params[0]], lr=lr),
        dict(params=[params[1]], lr=10 * lr)
    ],
                                lr=lr)
    schedulers = [
        PARAM_SCHEDULERS.build(dict(s, optimizer=optimizer))
        for s in cfg.param_scheduler
    ]
    lrs = np.empty((max_iters, 2))
    for i in range(max_iters):
        lrs[i] = [g['lr'] for g in optimizer.param_groups]
        for scheduler in schedulers:
            scheduler.step()
    warmup = max_iters // 100
    for i in (0, warmup, max_iters // 2, max_iters - 1):
        expected = official_lr(lr, i, max_iters, power)
        assert lrs[i, 0] == pytest.approx(expected, rel=1e-9, abs=1e-15), i
        assert lrs[i, 1] == pytest.approx(10 * expected, rel=1e-9), i
    assert lrs[0, 0] == pytest.approx(1e-6)
    after = np.array(
        [official_lr(lr, i, max_iters, power) for i in range(warmup, max_iters)])
    np.testing.assert_allclose(lrs[warmup:, 0], after, rtol=1e-9)
    # the warm-up is linear from 1e-6 (official: max(1e-6, lr * i / W)):
    # the two differ by at most 1e-6 at any iteration
    during = np.array(
        [official_lr(lr, i, max_iters, power) for i in range(warmup)])
    assert np.abs(lrs[:warmup, 0] - during).max() <= 1e-6 + 1e-15


# ------------------------------------------------------------------ losses
def _loss_spec(loss):
    spec = [type(loss).__name__, loss.loss_weight, loss.loss_name]
    if hasattr(loss, 'reduce_across_ranks'):
        spec.append(('ranks', loss.reduce_across_ranks, loss.active_classes))
    if hasattr(loss, 'temperature'):
        spec.append(('T', loss.temperature))
    transform = getattr(loss, 'target_transform', None)
    if transform is not None:
        spec.append(('BLS', transform.kernel_size, transform.epsilon))
    return tuple(spec)


CE = ('SoftCrossEntropyLoss', 0.5, 'loss_ce')
BLS = ('BLS', 3, 0.5)
JML = ('JaccardMetricLoss', 0.75, 'loss_jml', ('ranks', True, None))
EXPECTED_LOSSES = {
    'ce': ([CE], [CE]),
    'ce-bls': ([CE + (BLS, )], [CE + (BLS, )]),
    'jml': ([('SoftCrossEntropyLoss', 0.125, 'loss_ce'), JML],
            [('SoftCrossEntropyLoss', 0.125, 'loss_ce')]),
    'jml-bls': ([('SoftCrossEntropyLoss', 0.125, 'loss_ce', BLS),
                 JML + (BLS, )],
                [('SoftCrossEntropyLoss', 0.125, 'loss_ce', BLS)]),
}


def _build_losses(configs):
    init_default_scope('mmseg')
    return [_loss_spec(MODELS.build(c)) for c in configs]


@pytest.mark.parametrize('method', list(EXPECTED_LOSSES))
@pytest.mark.parametrize('family', list(FAMILIES))
def test_head_losses(family, method, pretraining_off):
    """The official segmentor's weights: 0.5 on each head's CE-type term
    (x ce_weight 0.25 with JML), JML 0.75 on the decode head only."""
    cfg = _load(_path(family, method), pretraining_off)
    decode, aux = EXPECTED_LOSSES[method]
    assert _build_losses(cfg.model.decode_head.loss_decode) == decode
    assert _build_losses(cfg.model.auxiliary_head.loss_decode) == aux


def test_built_model_losses(built):
    """The built model carries those losses on its heads."""
    _, _, model = built
    assert [_loss_spec(m) for m in model.decode_head.loss_decode] == \
        EXPECTED_LOSSES['jml'][0]
    assert [_loss_spec(m) for m in model.auxiliary_head.loss_decode] == \
        EXPECTED_LOSSES['jml'][1]


KD = {
    'jml-kd': ([('SoftCrossEntropyLoss', 0.0625, 'loss_ce'),
                ('JaccardMetricLoss', 0.375, 'loss_jml',
                 ('ranks', True, None))],
               [('KLDivergenceLoss', 0.0625, 'loss_kd_kl', ('T', 1.0)),
                ('JaccardMetricLoss', 0.375, 'loss_kd_jml',
                 ('ranks', True, 'label'))],
               [('SoftCrossEntropyLoss', 0.0625, 'loss_ce')],
               [('KLDivergenceLoss', 0.0625, 'loss_kd_kl', ('T', 1.0))]),
    'ce-kd': ([('SoftCrossEntropyLoss', 0.25, 'loss_ce')],
              [('KLDivergenceLoss', 0.25, 'loss_kd_kl', ('T', 1.0))],
              [('SoftCrossEntropyLoss', 0.25, 'loss_ce')],
              [('KLDivergenceLoss', 0.25, 'loss_kd_kl', ('T', 1.0))]),
}
KD_CONFIGS = [
    'cityscapes/{}_deeplabv3_r101-d8-to-deeplabv3_r18-d8_{}-40k_'
    'cityscapes-512x1024.py',
    'voc12aug/{}_deeplabv3_r101-d8-to-pspnet_r18-d8_4xb2-40k_'
    'voc12aug-512x512.py',
    'ade20k/{}_segformer_mit-b5-to-segformer_mit-b0_4xb2-40k_'
    'ade20k-512x512.py',
]


@pytest.mark.parametrize('method', list(KD))
@pytest.mark.parametrize('pattern', KD_CONFIGS)
def test_distillation_losses(pattern, method, pretraining_off, tmp_path,
                             monkeypatch):
    """label_weight = teacher_weight = 0.5 of the official forward_loss_kd,
    KL on the auxiliary head too; the teacher is found from the config's
    own directory whatever the working directory."""
    batch = '4xb4' if method == 'jml-kd' else '4xb2'
    path = osp.join(REPO, 'configs', pattern.format(method, batch))
    monkeypatch.chdir(tmp_path)
    cfg = _load(path, pretraining_off)
    model = cfg.model
    assert model.type == 'DistillEncoderDecoder'
    decode, distill, aux, aux_distill = KD[method]
    assert _build_losses(model.decode_head.loss_decode) == decode
    assert _build_losses(model.distill_losses) == distill
    assert _build_losses(model.auxiliary_head.loss_decode) == aux
    assert _build_losses(model.aux_distill_losses) == aux_distill
    assert osp.isabs(model.teacher_config)
    assert osp.isfile(model.teacher_config)
    assert osp.basename(model.teacher_config).startswith('jml-bls_')
    assert osp.normpath(model.teacher_checkpoint) == osp.join(
        REPO, 'work_dirs',
        osp.splitext(osp.basename(model.teacher_config))[0],
        'iter_40000.pth')
    expected_batch = 4 if 'cityscapes' in pattern and method == 'jml-kd' \
        else 2
    assert cfg.train_dataloader.batch_size == expected_batch


@pytest.mark.parametrize('path,method,batch,iters', [
    ('cityscapes/jml-kd_deeplabv3_r101-d8-to-pspnet_r18-d8_4xb2-40k_'
     'cityscapes-512x1024.py', 'jml-kd', 2, 40000),
    ('deepglobe/ce-kd_unet-head_r50-to-unet-head_m-v2_4xb2-10k_'
     'deepglobe-512x512.py', 'ce-kd', 2, 10000),
    ('deepglobe/jml-kd_deeplabv3_r50-d8-to-deeplabv3_r18-d8_4xb2-10k_'
     'deepglobe-512x512.py', 'jml-kd', 2, 10000),
])
def test_distillation_students_of_tables_1_13_14(path, method, batch, iters,
                                                 pretraining_off):
    """Table 1's batch-8 JML-KD and the DeepGlobe students: the official KD
    weights, the JML-BLS teacher of the same data set and its final
    checkpoint (10k iterations on DeepGlobe)."""
    cfg = _load(osp.join(REPO, 'configs', path), pretraining_off)
    model = cfg.model
    decode, distill, aux, aux_distill = KD[method]
    assert _build_losses(model.decode_head.loss_decode) == decode
    assert _build_losses(model.distill_losses) == distill
    assert _build_losses(model.auxiliary_head.loss_decode) == aux
    assert _build_losses(model.aux_distill_losses) == aux_distill
    teacher = osp.splitext(osp.basename(model.teacher_config))[0]
    assert teacher.startswith('jml-bls_')
    assert teacher.endswith(path.split('_')[-1][:-3])
    assert osp.normpath(model.teacher_checkpoint) == osp.join(
        REPO, 'work_dirs', teacher, f'iter_{iters}.pth')
    assert cfg.train_dataloader.batch_size == batch
    assert cfg.train_cfg.max_iters == iters


@pytest.mark.parametrize('variant', ['jml2', 'sjl_l1', 'sjl_l2'])
@pytest.mark.parametrize('dataset', ['cityscapes-512x1024',
                                     'voc12aug-512x512'])
def test_table10_kd_column(variant, dataset, pretraining_off):
    """The variant replaces both Jaccard terms of JML-KD (ground truth and
    teacher); everything else is JML-KD's."""
    name = (f"{variant.replace('_', '-')}-kd_deeplabv3_r101-d8-to-"
            f'deeplabv3_r18-d8_4xb2-40k_{dataset}.py')
    cfg = _load(osp.join(REPO, 'configs', 'ablations', name), pretraining_off)
    model = cfg.model
    jaccard = [
        c for c in [*model.decode_head.loss_decode, *model.distill_losses]
        if c['type'] == 'JaccardMetricLoss'
    ]
    assert [c['variant'] for c in jaccard] == [variant, variant]
    for configs, expected in zip(
            (model.decode_head.loss_decode, model.distill_losses,
             model.auxiliary_head.loss_decode, model.aux_distill_losses),
            KD['jml-kd']):
        assert _build_losses(configs) == expected
    assert cfg.train_dataloader.batch_size == 2


@pytest.mark.parametrize('kernel', [3, 5, 7, 9])
@pytest.mark.parametrize('epsilon', [0.1, 0.3, 0.5, 0.7, 0.9])
def test_figure4_grid(kernel, epsilon, pretraining_off):
    """Every cell of Figure 4's grid is a JML-BLS config with that kernel
    and epsilon on all three smoothed terms (k = 3 and epsilon 0.5 are the
    unmarked defaults of the names)."""
    parts = ('' if kernel == 3 else f'-k{kernel}') + (
        '' if epsilon == 0.5 else f'-e{round(epsilon * 10):02d}')
    directory = 'voc12aug' if not parts else 'ablations'
    cfg = _load(
        osp.join(REPO, 'configs', directory,
                 f'jml-bls{parts}_deeplabv3_r18-d8_4xb2-40k_'
                 'voc12aug-512x512.py'), pretraining_off)
    bls = ('BLS', kernel, epsilon)
    assert _build_losses(cfg.model.decode_head.loss_decode) == [
        ('SoftCrossEntropyLoss', 0.125, 'loss_ce', bls), JML + (bls, )
    ]
    assert _build_losses(cfg.model.auxiliary_head.loss_decode) == [
        ('SoftCrossEntropyLoss', 0.125, 'loss_ce', bls)
    ]


# ---------------------------------------------------------------- testing
@pytest.mark.parametrize('family', list(FAMILIES))
def test_slide_inference_at_original_resolution(family, pretraining_off):
    """Windows of the crop size, stride int(ceil(crop * 2/3)) (official
    Segmentor.predict); images padded to the crop size as the official test
    Pad; no Resize in the test pipeline."""
    cfg = _load(_path(family), pretraining_off)
    crop = FAMILIES[family][2]
    assert cfg.model.test_cfg == dict(
        mode='slide',
        crop_size=crop,
        stride=tuple(int(math.ceil(c * 2 / 3)) for c in crop))
    preprocessor = cfg.model.data_preprocessor
    assert preprocessor.size == crop
    assert preprocessor.test_cfg == dict(size=crop)
    assert (preprocessor.pad_val, preprocessor.seg_pad_val) == (0, 255)
    assert preprocessor.mean == [123.68, 116.28, 103.53]
    assert preprocessor.std == [58.40, 57.12, 57.38]
    assert preprocessor.bgr_to_rgb
    test_types = [t['type'] for t in cfg.test_dataloader.dataset.pipeline]
    assert test_types == [
        'LoadImageFromFile', 'LoadAnnotations', 'PackSegInputs'
    ]


# --------------------------------------------------------------- training
def _train_pipeline(cfg):
    dataset = cfg.train_dataloader.dataset
    if dataset.type == 'ConcatDataset':
        pipelines = [d.pipeline for d in dataset.datasets]
        assert all(p == pipelines[0] for p in pipelines)
        return pipelines[0]
    return dataset.pipeline


@pytest.mark.parametrize('family', list(FAMILIES))
def test_train_pipeline(family, pretraining_off):
    """Rescale, random crop without category-ratio check, flip 0.5; no
    photometric distortion (official base_dataset.py)."""
    cfg = _load(_path(family), pretraining_off)
    pipeline = _train_pipeline(cfg)
    types = [t['type'] for t in pipeline]
    assert types[:2] == ['LoadImageFromFile', 'LoadAnnotations']
    assert pipeline[2] == dict(type='RandomRescale', ratio_range=(0.5, 2.0))
    assert types[3:] == ['RandomCrop', 'RandomFlip', 'PackSegInputs']
    crop = pipeline[3]
    assert tuple(crop['crop_size']) == FAMILIES[family][2]
    assert crop.get('cat_max_ratio', 1.0) == 1.0
    assert pipeline[4]['prob'] == 0.5
    assert cfg.train_dataloader.batch_size == 2


def _rescale(cfg):
    init_default_scope('mmseg')
    return TRANSFORMS.build(_train_pipeline(cfg)[2])


def _factors(transform, height, width, seeds):
    factors = []
    for seed in seeds:
        np.random.seed(seed)
        results = dict(
            img=np.zeros((height, width, 3), np.uint8),
            gt_seg_map=np.zeros((height, width), np.uint8),
            seg_fields=['gt_seg_map'],
            img_shape=(height, width))
        out = transform(results)
        h, w = out['img'].shape[:2]
        assert out['gt_seg_map'].shape == (h, w)
        factors.append((h / height, w / width))
    return np.array(factors)


@pytest.mark.parametrize('family', list(FAMILIES))
def test_rescale_of_own_size(family, pretraining_off):
    """Every data set: one factor per image, drawn from the continuous
    [0.5, 2.0] and applied to the image's own size, whatever that size is
    (two sizes, the same seeds, the same factors; not from a grid)."""
    transform = _rescale(_load(_path(family), pretraining_off))
    seeds = range(12)
    small = _factors(transform, 100, 60, seeds)
    large = _factors(transform, 375, 500, seeds)
    np.testing.assert_allclose(small, large, atol=0.01)
    np.testing.assert_allclose(large[:, 0], large[:, 1], atol=0.005)
    assert large.min() >= 0.5 - 0.005 and large.max() <= 2.0 + 0.005
    expected = [np.random.RandomState(s).random_sample() * 1.5 + 0.5
                for s in seeds]
    np.testing.assert_allclose(large[:, 1], expected, atol=0.003)


# -------------------------------------------------------------- evaluation
@pytest.mark.parametrize('family', list(FAMILIES))
def test_evaluators(family, pretraining_off):
    """IoUMetric, FineGrainedIoUMetric (worst 5%, averaged worst cases) and
    CalibrationMetric with 10 bins, in one MMEngine Evaluator."""
    cfg = _load(_path(family), pretraining_off)
    assert cfg.test_evaluator == cfg.val_evaluator
    init_default_scope('mmseg')
    evaluator = Evaluator(cfg.val_evaluator)
    metrics = evaluator.metrics
    assert [type(m).__name__ for m in metrics] == [
        'IoUMetric', 'FineGrainedIoUMetric', 'CalibrationMetric'
    ]
    assert metrics[0].metrics == ['mIoU']
    assert tuple(metrics[1].worst_quantiles) == (0.05, )
    assert metrics[2].num_bins == 10
