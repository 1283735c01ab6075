"""configs/ssl: the Table 12 matrix (supervised-only, AugSeg, JML-SSL for
the 92..1464 splits), AugSeg's schedule, the shipped split lists, and the
DeepLabV3+ R101 as AugSeg builds it."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmseg_jml  # noqa: F401
from mmseg.registry import MODELS
from mmseg_jml.utils import revert_sync_bn_in_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SSL = osp.join(REPO, 'configs', 'ssl')
SPLITS = (92, 183, 366, 732, 1464)
TAIL = 'deeplabv3plus_r101-d16-augseg_2xb{b}-{i}_voc12aug-513x513.py'


def _lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def _semi_iters(split):
    unlabelled = len(_lines(osp.join(SSL, 'splits', str(split),
                                     'unlabeled.txt')))
    return math.ceil(unlabelled / 2) // 8  # 2 GPUs x 8 unlabelled, drop last


def _sup_iters(split):
    return math.ceil(math.ceil(split / 2) / 8)  # 2 GPUs x 8, AugSeg SupOnly


def _path(method, split):
    if method == 'sup':
        return osp.join(SSL, f'sup-{split}labeled_' + TAIL.format(
            b=8, i=80 * _sup_iters(split)))
    return osp.join(SSL, f'{method}-{split}labeled_' + TAIL.format(
        b=16, i=80 * _semi_iters(split)))


@pytest.mark.parametrize('split', SPLITS)
def test_split_lists(split):
    labelled = _lines(osp.join(SSL, 'splits', str(split), 'labeled.txt'))
    unlabelled = _lines(osp.join(SSL, 'splits', str(split),
                                 'unlabeled.txt'))
    assert len(labelled) == split and len(set(labelled)) == split
    assert not set(labelled) & set(unlabelled)
    assert len(labelled) + len(unlabelled) == 10582
    assert len(_lines(osp.join(SSL, 'splits', 'val.txt'))) == 1449


@pytest.mark.parametrize('split', SPLITS)
@pytest.mark.parametrize('method', ['sup', 'augseg', 'jml-ssl'])
def test_config_matrix(method, split):
    path = _path(method, split)
    assert osp.isfile(path), path
    cfg = Config.fromfile(path)
    iters = _sup_iters(split) if method == 'sup' else _semi_iters(split)
    assert cfg.train_cfg.max_iters == 80 * iters
    assert cfg.train_cfg.val_interval == iters
    assert cfg.param_scheduler[0].end == 80 * iters
    assert cfg.param_scheduler[0].power == 0.9
    assert cfg.param_scheduler[0].eta_min == 0.0
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.001, 0.9, 0.0001)
    assert cfg.optim_wrapper.paramwise_cfg.custom_keys.decode_head == dict(
        lr_mult=10.0)
    dataset = cfg.train_dataloader.dataset
    if method == 'sup':
        assert cfg.model.type == 'EncoderDecoder'
        assert cfg.train_dataloader.batch_size == 8
        files = [dataset.ann_file]
    else:
        assert cfg.model.type == 'SemiEncoderDecoder'
        assert cfg.train_dataloader.batch_size == 16
        assert cfg.train_dataloader.sampler == dict(
            type='EpochMultiSourceSampler', batch_size=16,
            source_ratio=[1, 1])
        assert cfg.val_cfg.type == 'TeacherStudentValLoop'
        assert cfg.default_hooks.checkpoint.save_best == 'teacher/mIoU'
        assert cfg.custom_hooks == [
            dict(type='MeanTeacherHook', max_decay=0.999, copy_epochs=1)
        ]
        assert cfg.model.conf_thresh == 0.95
        files = [d.ann_file for d in dataset.datasets]
        assert files[1].endswith(f'splits/{split}/unlabeled.txt')
        # the unlabelled pipeline never loads a label
        assert all(t['type'] != 'LoadAnnotations'
                   for t in dataset.datasets[1].pipeline)
    assert files[0].endswith(f'splits/{split}/labeled.txt')
    assert all(osp.isfile(f) for f in files)
    assert osp.isfile(cfg.val_dataloader.dataset.ann_file)
    assert all(t['type'] not in ('Resize', 'RandomResize')
               for t in cfg.val_dataloader.dataset.pipeline)
    decode_losses = cfg.model.decode_head.loss_decode
    if method == 'jml-ssl':
        assert [(l.type, l.loss_weight) for l in decode_losses] == [
            ('SoftCrossEntropyLoss', 0.25), ('JaccardMetricLoss', 0.75)]
        assert all(l.target_transform.type == 'BoundaryLabelSmoothing'
                   for l in decode_losses)
        assert [(l.type, l.loss_weight)
                for l in cfg.model.unsup_soft_losses] == [
                    ('JaccardMetricLoss', 0.75)]
        assert cfg.model.unsup_hard_losses[0].loss_weight == 0.25
    else:
        assert decode_losses == dict(type='SoftCrossEntropyLoss',
                                     loss_weight=1.0)
        if method == 'augseg':
            assert cfg.model.unsup_hard_losses == [
                dict(type='SoftCrossEntropyLoss', loss_weight=1.0)
            ]
            assert cfg.model.unsup_soft_losses is None
            assert cfg.model.hard_loss_reduction == 'all_pixels'


def test_augseg_deeplabv3plus_r101():
    """Built offline (no pretrained weights); its parameter count beside
    Table 9's DeepLabV3+ R101 row (62.58 M, a different implementation)."""
    cfg = Config.fromfile(_path('jml-ssl', 92))
    revert_sync_bn_in_config(cfg.model)
    cfg.model.backbone.init_cfg = None
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    stem = [m.out_channels for m in model.backbone.stem
            if isinstance(m, torch.nn.Conv2d)]
    assert stem == [64, 64, 128]
    assert [b.conv2.dilation[0] for b in model.backbone.layer4] == [2, 4, 8]
    assert model.backbone.layer4[0].conv2.stride == (1, 1)  # OS 16
    head = model.decode_head
    assert head.c1_bottleneck.conv.out_channels == 48
    assert head.bottleneck.conv.kernel_size == (1, 1)
    assert head.dropout is None and head.align_corners
    assert not model.with_auxiliary_head
    params = sum(p.numel() for p in model.parameters())
    assert params == 59_468_133  # 59.47 M vs Table 9's 62.58 M
    teacher = sum(p.numel() for p in model.teacher.parameters())
    assert teacher == params


#: Appendix I ablation rows 3 and 4 (row 5 is JML-SSL), for the splits the
#: paper reports: the AugSeg config with other loss lists only.
ABLATION_ROWS = ('augseg-jmlsup', 'augseg-jmlsup-jmlunsup')


def _losses(cfg):
    return dict(
        sup=[(l.type, l.loss_weight, l.get('target_transform'))
             for l in ([cfg.model.decode_head.loss_decode]
                       if isinstance(cfg.model.decode_head.loss_decode, dict)
                       else cfg.model.decode_head.loss_decode)],
        hard=[(l.type, l.loss_weight, l.get('target_transform'))
              for l in cfg.model.unsup_hard_losses],
        soft=[(l.type, l.loss_weight, l.get('active_classes'))
              for l in cfg.model.get('unsup_soft_losses') or []],
        soft_label_transform=cfg.model.get('soft_label_transform'))


def _without_losses(cfg):
    """The config minus the loss lists (and the shared loss variables)."""
    text = dict(cfg.to_dict())
    model = dict(text.pop('model'))
    for key in ('unsup_hard_losses', 'unsup_soft_losses',
                'soft_label_transform', 'soft_loss_conf_mask'):
        model.pop(key, None)
    model['decode_head'] = {
        k: v for k, v in model['decode_head'].items() if k != 'loss_decode'
    }
    text = {k: v for k, v in text.items() if not k.startswith('ssl_')}
    text['model'] = model
    return text


@pytest.mark.parametrize('split', (92, 183))
def test_ablation_rows_add_one_loss_term_each(split):
    """Rows 2..5 of the ablation: each adds its term, nothing else
    changes."""
    rows = ['augseg', *ABLATION_ROWS, 'jml-ssl']
    cfgs = [Config.fromfile(_path(row, split)) for row in rows]
    bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
    ce, jml = 'SoftCrossEntropyLoss', 'JaccardMetricLoss'
    assert [_losses(cfg) for cfg in cfgs] == [
        dict(sup=[(ce, 1.0, None)], hard=[(ce, 1.0, None)], soft=[],
             soft_label_transform=None),
        dict(sup=[(ce, 0.25, None), (jml, 0.75, None)],
             hard=[(ce, 1.0, None)], soft=[], soft_label_transform=None),
        dict(sup=[(ce, 0.25, None), (jml, 0.75, None)],
             hard=[(ce, 0.25, None)], soft=[(jml, 0.75, 'all')],
             soft_label_transform=None),
        dict(sup=[(ce, 0.25, bls), (jml, 0.75, bls)],
             hard=[(ce, 0.25, bls)], soft=[(jml, 0.75, 'all')],
             soft_label_transform=bls),
    ]
    reference = _without_losses(cfgs[0])
    for cfg in cfgs[1:]:
        assert _without_losses(cfg) == reference
        assert cfg.model.soft_loss_conf_mask is False


# ---------------------------------------------------------------------------
# the semi-supervised demo rows (MNI152, 1/8 of the training slices labelled)
# ---------------------------------------------------------------------------
DEMO = osp.join(REPO, 'configs', 'demo')
DEMO_TAIL = 'fcn_unet-s5-c16_1xb{b}-150_mni152-128x128.py'
DEMO_ROWS = {
    'sup': osp.join(DEMO, 'sup-1of8labeled_' + DEMO_TAIL.format(b=8)),
    'augseg': osp.join(DEMO, 'augseg-1of8labeled_' + DEMO_TAIL.format(b=16)),
    'jml-ssl': osp.join(DEMO,
                        'jml-ssl-1of8labeled_' + DEMO_TAIL.format(b=16)),
    'augseg-jmlsup-jmlunsup': osp.join(
        DEMO, 'augseg-jmlsup-jmlunsup-1of8labeled_' +
        DEMO_TAIL.format(b=16)),
}
DEMO_CE = osp.join(DEMO, 'ce_' + DEMO_TAIL.format(b=8))
MNI_SPLIT = osp.join(SSL, 'splits', 'mni152-1of8')


def test_demo_rows_are_listed_for_the_sweep():
    """ssl.txt holds the issue's three rows, ssl_ablation.txt the row
    without BLS; both lay their table out as Table 12."""
    listed = {}
    for name in ('ssl.txt', 'ssl_ablation.txt'):
        lines = _lines(osp.join(DEMO, name))
        assert '#! layout: ssl' in lines
        listed[name] = [
            osp.join(REPO, p) for p in lines if not p.startswith('#')
        ]
    rows = list(DEMO_ROWS.values())
    assert listed['ssl.txt'] == rows[:3]
    assert listed['ssl_ablation.txt'] == [DEMO_ROWS['augseg-jmlsup-jmlunsup']]


def test_demo_supervised_row_is_the_ce_demo_on_the_labelled_slices():
    cfg, ce = Config.fromfile(DEMO_ROWS['sup']), Config.fromfile(DEMO_CE)
    dataset = cfg.train_dataloader.dataset
    assert osp.samefile(dataset.pop('ann_file'),
                        osp.join(MNI_SPLIT, 'labeled.txt'))
    assert cfg.to_dict() == ce.to_dict()


def test_demo_semi_rows():
    ce = Config.fromfile(DEMO_CE)
    augseg, jml_ssl, no_bls = (
        Config.fromfile(DEMO_ROWS[m])
        for m in ('augseg', 'jml-ssl', 'augseg-jmlsup-jmlunsup'))
    # the demo's model (a SemiEncoderDecoder around it), schedule and
    # evaluation; AugSeg's semi-supervised settings
    model = augseg.model
    assert model.type == 'SemiEncoderDecoder'
    assert model.backbone == ce.model.backbone
    assert {k: v for k, v in model.decode_head.items() if k != 'loss_decode'
            } == {k: v for k, v in ce.model.decode_head.items()
                  if k != 'loss_decode'}
    assert model.data_preprocessor.type == 'MultiBranchDataPreprocessor'
    wrapped = dict(model.data_preprocessor.data_preprocessor)
    wrapped.pop('_scope_', None)  # added by the {{_base_.x}} reference
    assert wrapped == ce.model.data_preprocessor
    for key in ('optim_wrapper', 'param_scheduler', 'train_cfg',
                'val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator'):
        assert augseg[key] == ce[key], key
    assert (model.conf_thresh, model.hard_loss_reduction,
            model.predict_on) == (0.95, 'all_pixels', 'teacher')
    assert augseg.val_cfg.type == 'TeacherStudentValLoop'
    assert augseg.custom_hooks == [
        dict(type='MeanTeacherHook', max_decay=0.9, copy_epochs=1)
    ]
    loader = augseg.train_dataloader
    assert loader.batch_size == 16
    assert loader.sampler == dict(type='EpochMultiSourceSampler',
                                  batch_size=16, source_ratio=[1, 1])
    labelled, unlabelled = loader.dataset.datasets
    assert osp.samefile(labelled.ann_file,
                        osp.join(MNI_SPLIT, 'labeled.txt'))
    assert osp.samefile(unlabelled.ann_file,
                        osp.join(MNI_SPLIT, 'unlabeled.txt'))
    assert all(t['type'] != 'LoadAnnotations' for t in unlabelled.pipeline)
    # the losses: AugSeg's CE terms, then JML-SSL's lists and nothing else
    bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
    ce_loss, jml = 'SoftCrossEntropyLoss', 'JaccardMetricLoss'
    assert _losses(augseg) == dict(
        sup=[(ce_loss, 1.0, None)], hard=[(ce_loss, 1.0, None)], soft=[],
        soft_label_transform=None)
    assert _losses(jml_ssl) == dict(
        sup=[(ce_loss, 0.25, bls), (jml, 0.75, bls)],
        hard=[(ce_loss, 0.25, bls)], soft=[(jml, 0.75, 'all')],
        soft_label_transform=bls)
    assert _losses(no_bls) == dict(
        sup=[(ce_loss, 0.25, None), (jml, 0.75, None)],
        hard=[(ce_loss, 0.25, None)], soft=[(jml, 0.75, 'all')],
        soft_label_transform=None)
    assert _without_losses(jml_ssl) == _without_losses(augseg)
    assert _without_losses(no_bls) == _without_losses(augseg)


def _demo_on_synthetic(path, root, work_dir):
    """The demo row on the synthetic shapes: 3 labelled and 5 unlabelled
    training images (2 + 2 per batch, 2 iterations per epoch), 3
    iterations, validation on the 4 validation images."""
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    loader = cfg.train_dataloader
    if loader.dataset.type == 'ConcatDataset':
        sources = loader.dataset.datasets
        loader.batch_size = loader.sampler.batch_size = 4
    else:
        sources = [loader.dataset]
    for source, indices in zip(sources, ([0, 1, 2], [3, 4, 5, 6, 7])):
        source.update(data_root=root, ann_file='', indices=indices)
    for key in ('val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = root
    cfg.train_cfg.update(max_iters=3, val_interval=3)
    cfg.default_hooks.checkpoint.interval = 3
    cfg.default_hooks.logger.interval = 1
    return cfg


@pytest.mark.parametrize('method', list(DEMO_ROWS))
def test_demo_row_trains_on_synthetic_data(method, synthetic_data_root,
                                           tmp_path):
    from mmengine.runner import Runner
    cfg = _demo_on_synthetic(DEMO_ROWS[method], synthetic_data_root,
                             tmp_path)
    torch.manual_seed(0)
    runner = Runner.from_cfg(cfg)
    model = runner.train()
    scalars = runner.message_hub.log_scalars
    losses = [k for k in scalars if k.startswith('train/') and 'loss' in k]
    assert losses and all(
        math.isfinite(scalars[k].current()) for k in losses)
    if method == 'sup':
        assert 'val/mIoU' in scalars
        return
    expected = {'train/decode.loss_ce', 'train/unsup.loss_ce',
                'train/unsup.kept_ratio', 'val/teacher/mIoU',
                'val/student/mIoU'}
    if method != 'augseg':
        expected |= {'train/decode.loss_jml', 'train/unsup.loss_jml'}
    assert expected <= set(scalars)
    # 2 copy iterations, then one EMA step: the teacher differs
    assert not torch.equal(model.teacher.decode_head.conv_seg.weight,
                           model.decode_head.conv_seg.weight)
