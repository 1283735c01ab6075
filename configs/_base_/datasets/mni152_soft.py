# MNI152 tissue slices with their soft ground truth (tissue probabilities):
# mni152.py plus the soft maps in the training pipeline. Pair with a model
# of type SoftLabelEncoderDecoder (mmseg_jml), whose soft-target losses
# (SoftCrossEntropyLoss, JaccardMetricLoss, ...) then train on the
# probabilities. Validation stays on the hard (arg-max) labels.
_base_ = './mni152.py'
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadSoftLabelMap'),
    dict(
        type='RandomResize',
        scale=(233, 197),
        ratio_range=(0.75, 1.25),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSoftSegInputs')
]
train_dataloader = dict(
    dataset=dict(
        data_prefix=dict(
            img_path='img_dir/train',
            seg_map_path='ann_dir/train',
            soft_seg_map_path='soft_dir/train'),
        pipeline=train_pipeline))
