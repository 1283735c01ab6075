# MNIST digit scenes (background + ten digits, 128 x 128 canvases).
# Prepare with: python tools/dataset_converters/mnist_scenes.py
# data/mnist_scenes (the converter is deterministic: seed 0 by default).
# Training reads random 64 x 64 crops of the scenes (a quarter of a canvas:
# a large digit is often cut, as objects at crop borders are in the paper's
# data sets); validation and test see whole 128 x 128 scenes. No flip (a
# mirrored digit is another glyph), no rescaling (the scenes already draw
# every digit at a random scale).
# `soft_train_pipeline` / `soft_train_prefix` add the soft ground truth
# (stroke coverage) for a SoftLabelEncoderDecoder.
dataset_type = 'MNISTScenesDataset'
data_root = 'data/mnist_scenes'
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs')
]
soft_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadSoftLabelMap'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSoftSegInputs')
]
soft_train_prefix = dict(
    img_path='img_dir/train',
    seg_map_path='ann_dir/train',
    soft_seg_map_path='soft_dir/train')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='FineGrainedIoUMetric'),
    dict(type='CalibrationMetric', num_bins=15, boundary_kernel_size=3)
]
test_evaluator = val_evaluator
