"""Every config's file name matches its body.

Names follow MMSeg: ``<method>_<model>_<G>xb<B>-<iters>_<dataset>-<H>x<W>.py``
(iterations as ``40k`` or a plain number), e.g.
``jml-bls_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024.py``: 4 GPUs x 2
images per GPU, 40k iterations, Cityscapes, 512x1024 crops.
"""
import ast
import functools
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in p)

#: the configs of the paper's experiments (the demo and digits sets are not)
PAPER_DIRS = ('cityscapes', 'voc12aug', 'ade20k', 'deepglobe', 'ablations')
PAPER_CONFIGS = [
    p for p in CONFIGS
    if osp.relpath(p, osp.join(REPO, 'configs')).split(osp.sep)[0] in
    PAPER_DIRS
]
DEMO_CONFIGS = [
    p for p in CONFIGS
    if osp.relpath(p, osp.join(REPO, 'configs')).split(osp.sep)[0] == 'demo'
]

NAME = re.compile(r'^(?P<method>[a-z0-9-]+)_(?P<model>.+)_(?P<gpus>\d+)xb'
                  r'(?P<batch>\d+)-(?P<iters>\d+k?)_(?P<dataset>[a-z0-9]+)-'
                  r'(?P<height>\d+)x(?P<width>\d+)$')

#: dataset part of a name -> the dataset type its body must use
DATASETS = {
    'mni152': 'MNI152TissueDataset',
    'cityscapes': 'CityscapesDataset',
    'voc12aug': 'PascalVOCDataset',
    'ade20k': 'ADE20KDataset',
    'deepglobe': 'DeepGlobeLandDataset',
    'mnistscenes': 'MNISTScenesDataset',
}


@functools.lru_cache(maxsize=None)
def _load(path):
    """Each config is read once for the whole module (read only)."""
    return Config.fromfile(path)


def _crop_size(pipeline):
    for transform in pipeline:
        if transform['type'] == 'RandomCrop':
            return tuple(transform['crop_size'])
    raise AssertionError('no RandomCrop in the training pipeline')


def _dataset_type(dataset):
    # ConcatDataset (VOC aug) wraps several datasets of one type
    if dataset['type'] == 'ConcatDataset':
        types = {d['type'] for d in dataset['datasets']}
        assert len(types) == 1
        return types.pop()
    return dataset['type']


def test_there_are_configs():
    assert CONFIGS


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_name_matches_body(path):
    match = NAME.match(osp.splitext(osp.basename(path))[0])
    assert match, f'{osp.basename(path)} does not follow the naming scheme'
    cfg = _load(path)
    iters = match['iters']
    expected_iters = int(iters[:-1]) * 1000 if iters.endswith('k') else int(
        iters)
    assert cfg.train_cfg.max_iters == expected_iters
    assert cfg.train_dataloader.batch_size == int(match['batch'])
    assert _crop_size(cfg.train_dataloader.dataset.get(
        'pipeline', cfg.get('train_pipeline'))) == (int(match['height']),
                                                    int(match['width']))
    assert _dataset_type(
        cfg.train_dataloader.dataset) == DATASETS[match['dataset']]
    assert cfg.custom_imports['imports'] == ['mmseg_jml']


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_distillation_config_names_teacher_then_student(path):
    cfg = _load(path)
    match = NAME.match(osp.splitext(osp.basename(path))[0])
    if cfg.model.type != 'DistillEncoderDecoder':
        assert '-to-' not in match['model']
        return
    teacher_part, _, student_part = match['model'].partition('-to-')
    teacher = NAME.match(
        osp.splitext(osp.basename(cfg.model.teacher_config))[0])
    assert teacher['model'] == teacher_part
    assert teacher['dataset'] == match['dataset']
    # the student is the config the distillation config inherits from
    student_bases = [
        b for b in _bases(path)
        if NAME.match(osp.splitext(osp.basename(b))[0])
    ]
    assert len(student_bases) == 1
    student = NAME.match(osp.splitext(osp.basename(student_bases[0]))[0])
    assert student['model'] == student_part


def _bases(config_path):
    """The ``_base_`` entries of a config file, read without executing it."""
    tree = ast.parse(open(config_path).read())
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], 'id', None) == '_base_'):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


def _inheritance_depth(config_path):
    """Longest chain of ``_base_`` links below a config (MMSeg's own base
    files, ``mmseg::...``, count as one level)."""
    depths = [0]
    for base in _bases(config_path):
        if base.startswith('mmseg::'):
            depths.append(1)
        else:
            depths.append(1 + _inheritance_depth(
                osp.normpath(osp.join(osp.dirname(config_path), base))))
    return max(depths)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_inheritance_depth_at_most_three(path):
    assert _inheritance_depth(path) <= 3


def _losses(model):
    """Every loss config of a model: both heads and the distillation ones."""
    losses = list(model.decode_head.loss_decode)
    losses += list(model.get('distill_losses') or [])
    if model.get('auxiliary_head') is not None:
        losses += list(model.auxiliary_head.loss_decode)
        losses += list(model.get('aux_distill_losses') or [])
    return losses


def test_paper_and_demo_configs_are_found():
    assert len(PAPER_CONFIGS) == 158
    assert DEMO_CONFIGS


@pytest.mark.parametrize(
    'path', PAPER_CONFIGS, ids=[osp.relpath(p, REPO) for p in PAPER_CONFIGS])
def test_paper_config_recipe(path):
    """Pretrained backbones by default, JML only on the decode head and
    summed over the ranks, an auxiliary head, slide inference and the
    official metrics (docs/recipes.md)."""
    cfg = _load(path)
    model = cfg.model
    backbone = model.backbone
    if backbone.type == 'TIMMBackbone':
        assert backbone.pretrained is True
    else:
        assert backbone.type == 'MixVisionTransformer'
        assert backbone.init_cfg.type == 'Pretrained'
        assert backbone.init_cfg.checkpoint.startswith('https://')
    assert model.pretrained is None
    jml = [
        loss for loss in _losses(model)
        if loss['type'] == 'JaccardMetricLoss'
    ]
    method = NAME.match(osp.splitext(osp.basename(path))[0])['method']
    assert bool(jml) == ('jml' in method or 'sjl' in method)
    assert all(loss['reduce_across_ranks'] is True for loss in jml)
    assert all(loss['type'] != 'JaccardMetricLoss'
               for loss in model.auxiliary_head.loss_decode)
    assert model.test_cfg.mode == 'slide'
    assert [m['type'] for m in cfg.test_evaluator] == [
        'IoUMetric', 'FineGrainedIoUMetric', 'CalibrationMetric'
    ]
    if model.type == 'DistillEncoderDecoder':
        assert osp.isfile(model.teacher_config)


@pytest.mark.parametrize(
    'path', DEMO_CONFIGS, ids=[osp.relpath(p, REPO) for p in DEMO_CONFIGS])
def test_demo_config_trains_from_scratch(path):
    """The CPU demo downloads nothing: no pretrained weights anywhere."""
    model = _load(path).model
    assert model.get('pretrained') is None
    assert model.backbone.get('init_cfg') is None
    assert not model.backbone.get('pretrained', False)
