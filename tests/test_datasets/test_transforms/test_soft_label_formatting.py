"""PackSoftSegInputs, and the soft map's alignment through MMSeg's
geometric augmentations."""
import random

import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from PIL import Image

import mmseg_jml  # noqa: F401
from mmseg_jml.datasets import SoftLabelSegDataset, SyntheticShapesDataset
from mmseg_jml.datasets.transforms import (LoadSoftLabelMap,
                                           PackSoftSegInputs,
                                           SoftLabelPixelData,
                                           gather_soft_label_map)

SEEDS = range(12)


@pytest.fixture(autouse=True)
def mmseg_scope():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def _seed(seed):
    random.seed(seed)
    np.random.seed(seed)


@pytest.fixture(scope='module')
def coordinate_data_root(tmp_path_factory):
    """3 images whose pixels encode their own (row, col) in the R and G
    channels, with random 4-class soft maps (every vector distinct)."""
    root = tmp_path_factory.mktemp('coords')
    rng = np.random.default_rng(0)
    height, width = 40, 52
    for sub in ('img', 'ann', 'soft'):
        (root / sub).mkdir()
    yy, xx = np.mgrid[:height, :width]
    image = np.stack([yy, xx, np.full_like(yy, 17)], -1).astype(np.uint8)
    for index in range(3):
        soft = rng.dirichlet(np.ones(4), size=(height, width)).transpose(
            2, 0, 1).astype(np.float16)
        label = soft.astype(np.float32).argmax(0).astype(np.uint8)
        Image.fromarray(image).save(root / 'img' / f'{index}.png')
        Image.fromarray(label).save(root / 'ann' / f'{index}.png')
        np.save(root / 'soft' / f'{index}.npy', soft)
    return str(root)


def _coordinate_dataset(root, geometric):
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='LoadSoftLabelMap'), *geometric,
        dict(type='PackSoftSegInputs')
    ]
    return SoftLabelSegDataset(
        data_root=root,
        data_prefix=dict(
            img_path='img', seg_map_path='ann', soft_seg_map_path='soft'),
        img_suffix='.png',
        seg_map_suffix='.png',
        metainfo=dict(classes=('a', 'b', 'c', 'd')),
        pipeline=pipeline)


NEAREST_GEOMETRIC = [
    dict(
        type='RandomResize',
        scale=(52, 40),
        ratio_range=(0.5, 2.0),
        keep_ratio=True,
        interpolation='nearest'),
    dict(type='RandomCrop', crop_size=(36, 30)),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
]


@pytest.mark.parametrize('seed', SEEDS)
def test_soft_map_follows_image_pixel_for_pixel(coordinate_data_root, seed):
    """With nearest interpolation for the image too, each output pixel's
    (row, col) is readable from the image: the packed soft vector must be
    the original soft vector of exactly that pixel."""
    dataset = _coordinate_dataset(coordinate_data_root, NEAREST_GEOMETRIC)
    _seed(seed)
    index = seed % len(dataset)
    sample = dataset[index]
    original = np.load(dataset.get_data_info(index)['soft_seg_map_path'])
    soft = sample['data_samples'].gt_soft_sem_seg.data.numpy()
    label = sample['data_samples'].gt_sem_seg.data[0].numpy()
    image = sample['inputs'].numpy()  # BGR: (17, col, row)
    rows, cols = image[2].astype(int), image[1].astype(int)
    # stored as float16, packed as float16 (half precision until the loss)
    assert soft.shape == (4, *label.shape) and soft.dtype == np.float16
    np.testing.assert_array_equal(soft, original[:, rows, cols])
    np.testing.assert_array_equal(label,
                                  original.astype(np.float32).argmax(0)[
                                      rows, cols])


SYNTHETIC_GEOMETRIC = {
    'resize-crop-flip': [
        dict(
            type='RandomResize',
            scale=(64, 64),
            ratio_range=(0.5, 2.0),
            keep_ratio=True),
        dict(type='RandomCrop', crop_size=(48, 40), cat_max_ratio=0.75),
        dict(
            type='RandomFlip', prob=0.5,
            direction=['horizontal', 'vertical']),
    ],
    'rotate-resize': [
        dict(type='RandomRotate', prob=1.0, degree=40),
        dict(type='Resize', scale=(45, 37), keep_ratio=False),
    ],
}


@pytest.mark.parametrize('name', sorted(SYNTHETIC_GEOMETRIC))
def test_soft_arg_max_equals_transformed_label(synthetic_data_root, name):
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='LoadSoftLabelMap'), *SYNTHETIC_GEOMETRIC[name],
        dict(type='PackSoftSegInputs')
    ]
    dataset = SyntheticShapesDataset(
        data_root=synthetic_data_root,
        data_prefix=dict(
            img_path='img_dir/train',
            seg_map_path='ann_dir/train',
            soft_seg_map_path='soft_dir/train'),
        pipeline=pipeline)
    blurred = 0
    for seed in SEEDS:
        _seed(seed)
        sample = dataset[seed % len(dataset)]
        soft = sample['data_samples'].gt_soft_sem_seg.data
        label = sample['data_samples'].gt_sem_seg.data[0]
        assert soft.shape[1:] == label.shape
        assert tuple(sample['inputs'].shape[1:]) == tuple(label.shape)
        counted = label != 255
        assert torch.equal(soft.argmax(0)[counted], label[counted].long())
        torch.testing.assert_close(
            soft.float().sum(0)[counted],
            torch.ones(int(counted.sum())),
            atol=2e-3,
            rtol=0)
        assert not soft[:, ~counted].any()
        blurred += int((soft.amax(0)[counted] < 1).sum())
    assert blurred > 0  # the soft maps are not one-hot: the test can fail


def _results(label, soft, **extra):
    """Pipeline results after LoadSoftLabelMap on in-memory arrays."""
    results = dict(
        img=np.zeros((*label.shape, 3), np.uint8),
        gt_seg_map=label.copy(),
        seg_fields=['gt_seg_map'])
    loader = LoadSoftLabelMap()
    loader._load = lambda path: soft  # noqa: E731
    results = loader.transform(dict(results, soft_seg_map_path='x.npy'))
    results.update(extra)
    return results


def _toy(height=6, width=8, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    soft = rng.dirichlet(np.ones(classes), size=(height, width)).transpose(
        2, 0, 1).astype(np.float32)
    return soft.argmax(0).astype(np.uint8), soft


def test_fill_pixels_become_one_hot_or_zero():
    label, soft = _toy()
    results = _results(label, soft)
    # a cut-out fills every seg field with class 2, a rotation border with
    # 255
    for key in results['seg_fields']:
        results[key][0:2, 0:3] = 2
        results[key][4:6, 5:8] = 255
    out = gather_soft_label_map(results)
    np.testing.assert_array_equal(out[:, 0:2, 0:3],
                                  np.broadcast_to(
                                      np.array([0, 0, 1.0])[:, None, None],
                                      (3, 2, 3)))
    assert not out[:, 4:6, 5:8].any()
    np.testing.assert_array_equal(out[:, 2:4], soft[:, 2:4])


def test_ignored_label_pixels_are_zero():
    label, soft = _toy()
    label[1, 1] = 255
    out = gather_soft_label_map(_results(label, soft))
    assert not out[:, 1, 1].any()
    assert out[:, 1, 2].sum() == pytest.approx(1.0, abs=1e-6)


def test_swap_seg_labels_swaps_channels():
    label, soft = _toy()
    flip = Compose([
        dict(
            type='RandomFlip',
            prob=1.0,
            direction='horizontal',
            swap_seg_labels=[(0, 1)])
    ])
    results = flip(_results(label, soft))
    out = gather_soft_label_map(results)
    expected = soft[:, :, ::-1][[1, 0, 2]]
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(out.argmax(0), results['gt_seg_map'])


def test_label_only_padding_pads_soft_map_with_zeros():
    label, soft = _toy()
    pad = Compose([dict(type='Pad', size=(10, 9))])  # (w, h)
    results = pad(_results(label, soft))
    assert results['gt_seg_map'].shape == (9, 10)
    out = gather_soft_label_map(results)
    assert out.shape == (3, 9, 10)
    np.testing.assert_array_equal(out[:, :6, :8], soft)
    assert not out[:, 6:].any() and not out[:, :, 8:].any()


@pytest.mark.parametrize('change,error,match', [
    (lambda r: r.update(mix_results=[{}]), ValueError, 'RandomMosaic'),
    (lambda r: r.pop('gt_soft_seg_rows'), KeyError, 'LoadSoftLabelMap'),
    (lambda r: r.update(gt_seg_map=r['gt_seg_map'][:4]), ValueError,
     'without going through seg_fields'),
    (lambda r: r.update(gt_soft_seg_cols=r['gt_soft_seg_cols'][:, :3]),
     ValueError, 'coordinate maps of equal shape'),
])
def test_gather_errors(change, error, match):
    results = _results(*_toy())
    change(results)
    with pytest.raises(error, match=match):
        gather_soft_label_map(results)


def test_filled_pixel_with_label_outside_classes():
    label, soft = _toy()
    results = _results(label, soft)
    results['gt_seg_map'][0, 0] = 7
    results['gt_soft_seg_rows'][0, 0] = 7
    with pytest.raises(ValueError, match=r'labels in \[0, 3\) at filled'):
        gather_soft_label_map(results)


def test_pack_without_soft_map_equals_pack_seg_inputs():
    from mmseg.datasets.transforms import PackSegInputs
    label, _ = _toy()
    results = dict(
        img=np.zeros((6, 8, 3), np.uint8), gt_seg_map=label, img_shape=(6,
                                                                         8))
    plain = PackSegInputs()(dict(results))
    ours = PackSoftSegInputs()(dict(results))
    assert 'gt_soft_sem_seg' not in ours['data_samples']
    assert torch.equal(plain['inputs'], ours['inputs'])
    assert torch.equal(plain['data_samples'].gt_sem_seg.data,
                       ours['data_samples'].gt_sem_seg.data)
    assert plain['data_samples'].metainfo == ours['data_samples'].metainfo


@pytest.mark.parametrize('dtype', [np.float16, np.float32])
def test_pack_keeps_the_stored_dtype(dtype):
    label, soft = _toy()
    soft = soft.astype(dtype)
    label[0, 0] = 255
    packed = PackSoftSegInputs()(_results(label, soft))
    field = packed['data_samples'].gt_soft_sem_seg
    assert isinstance(field, SoftLabelPixelData)
    assert field.metainfo == dict(ignore_index=255)
    assert field.data.dtype == torch.from_numpy(soft).dtype
    expected = torch.from_numpy(soft).clone()
    expected[:, 0, 0] = 0
    assert torch.equal(field.data, expected)


def test_pack_records_its_ignore_index():
    label, soft = _toy()
    label[0, 0] = 0
    packed = PackSoftSegInputs(ignore_index=0)(_results(label, soft))
    field = packed['data_samples'].gt_soft_sem_seg
    assert field.metainfo['ignore_index'] == 0
    assert not field.data[:, label == 0].any()


def test_float16_targets_give_the_float32_losses():
    """Packing in half precision loses nothing: the losses convert the
    float16 values exactly, so they equal those on float32 copies."""
    from mmseg_jml.models.losses import (JaccardMetricLoss,
                                         KLDivergenceLoss,
                                         SoftCrossEntropyLoss)
    label, soft = _toy(height=16, width=16, classes=4)
    half = PackSoftSegInputs()(_results(label, soft.astype(np.float16)))
    target16 = half['data_samples'].gt_soft_sem_seg.data[None]
    logits = torch.randn(
        1, 4, 16, 16, generator=torch.Generator().manual_seed(0))
    for loss in (JaccardMetricLoss(), SoftCrossEntropyLoss(),
                 KLDivergenceLoss()):
        assert torch.equal(loss(logits, target16),
                           loss(logits, target16.float()))


def test_label_resized_alone_raises():
    """A transform that resizes only the label (e.g. one resolved outside
    the mmseg scope) is caught: without padding metadata a larger label
    cannot be explained."""
    import mmcv
    label, soft = _toy()
    results = _results(label, soft)
    results['gt_seg_map'] = mmcv.imresize(
        results['gt_seg_map'], (12, 9), interpolation='nearest')
    with pytest.raises(ValueError, match=r'padding metadata .* got \(6, 8\) '
                       'with pad_shape=None'):
        gather_soft_label_map(results)
    # a pad_shape of another size does not explain it either
    results.update(pad_shape=(10, 12), pad_fixed_size=(12, 10),
                   pad_size_divisor=None)
    with pytest.raises(ValueError, match='padding metadata'):
        gather_soft_label_map(results)


def test_pack_rejects_non_int_ignore_index():
    with pytest.raises(TypeError, match='ignore_index to be an int'):
        PackSoftSegInputs(ignore_index='255')


# ----------------------------------------------------------------------
# a soft map that no segmentor reads is reported (once per process)
# ----------------------------------------------------------------------
@pytest.fixture
def fresh_consumer_registry(monkeypatch):
    import weakref

    from mmseg_jml.datasets.transforms import formatting
    monkeypatch.setattr(formatting, '_SOFT_LABEL_CONSUMERS',
                        weakref.WeakSet())
    monkeypatch.setattr(formatting, '_WARNED_UNUSED', False)


def _model(synthetic_config, kind):
    from mmengine.config import Config
    from mmseg.registry import MODELS

    from mmseg_jml.utils.runtime import revert_sync_bn_in_config
    cfg = Config.fromfile(synthetic_config).model
    revert_sync_bn_in_config(cfg)
    cfg.type = kind
    cfg.decode_head.loss_decode = [
        dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
        dict(type='JaccardMetricLoss', loss_weight=0.75)
    ]
    return MODELS.build(cfg)


def _packed_batch(seed=0):
    label, soft = _toy(height=32, width=32, seed=seed)
    packed = PackSoftSegInputs()(_results(label, soft))
    return dict(inputs=[packed['inputs']],
                data_samples=[packed['data_samples']])


def _unused_warnings(record):
    return [w for w in record if 'no segmentor in this process reads it'
            in str(w.message)]


def test_plain_encoder_decoder_warns_once_that_soft_maps_are_unused(
        synthetic_config, fresh_consumer_registry):
    import warnings
    model = _model(synthetic_config, 'EncoderDecoder')
    with pytest.warns(UserWarning, match=r"a plain EncoderDecoder trains on "
                      r"the hard labels .*type='SoftLabelEncoderDecoder'"):
        data = model.data_preprocessor(_packed_batch(), True)
    assert torch.isfinite(model.loss(**data)['decode.loss_jml'])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        model.data_preprocessor(_packed_batch(seed=1), True)
    assert not _unused_warnings(record)  # once per process


def test_soft_label_encoder_decoder_reads_them_silently(
        synthetic_config, fresh_consumer_registry):
    import gc
    import warnings
    model = _model(synthetic_config, 'SoftLabelEncoderDecoder')
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        data = model.data_preprocessor(_packed_batch(), True)
        model.loss(**data)
    assert not _unused_warnings(record)
    # the registry holds weak references: once the reader is gone, the
    # soft maps are unused again
    del model, data
    gc.collect()
    with pytest.warns(UserWarning, match='no segmentor in this process'):
        _model(synthetic_config, 'EncoderDecoder').data_preprocessor(
            _packed_batch(), True)


def test_register_soft_label_consumer_needs_a_module():
    from mmseg_jml.datasets.transforms import register_soft_label_consumer
    with pytest.raises(TypeError, match='expected an nn.Module, got str'):
        register_soft_label_consumer('SoftLabelEncoderDecoder')
