# MNI152 2009 brain tissue slices (background, grey matter, white matter).
# Prepare with: python tools/dataset_converters/mni152.py data/mni152
# (tools/run_demo.py does it on first use).
dataset_type = 'MNI152TissueDataset'
data_root = 'data/mni152'
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(233, 197),
        ratio_range=(0.75, 1.25),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
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
# The test run also saves a reliability diagram next to its log.
test_evaluator = [
    dict(type='FineGrainedIoUMetric'),
    dict(
        type='CalibrationMetric',
        num_bins=15,
        boundary_kernel_size=3,
        reliability_diagram=True)
]
