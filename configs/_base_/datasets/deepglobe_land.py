# DeepGlobe Land Cover, 6 classes (unknown ignored), fold 0 of 5.
# Prepare with:
#   python tools/dataset_converters/deepglobe.py path/to/land-train \
#       data/deepglobe_land
# Other folds: set ann_file='splits/fold{k}_train.txt' / 'fold{k}_val.txt'
# in train_dataloader / val_dataloader (k = 0...4).
#
# Paper (Appendix B): crop 512x512, batch size 8, 10k iterations. The
# random rescaling range 0.5-2.0 and the flip are what the paper's code does;
# it predicts the whole 2448x2448 image by sliding 512x512 windows (stride
# 342), which the UNet model bases set in test_cfg.
dataset_type = 'DeepGlobeLandDataset'
data_root = 'data/deepglobe_land'
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2448, 2448),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
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
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/fold0_train.txt',
        data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/fold0_val.txt',
        data_prefix=dict(img_path='img_dir', seg_map_path='ann_dir'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
