# ADE20K (150 classes, label 0 "other" ignored) with the official code's
# pipelines (zifuwanggg/JDTLosses, datas/datasets/base_dataset.py and
# transform.py; configs/datas/ade20k.yaml: scale 0.5-2.0, crop 512x512,
# reduce_zero_label):
# - training: rescale by a random factor in [0.5, 2.0] of the image's own
#   size, random crop with no category-ratio check, horizontal flip 0.5;
#   images smaller than the crop are padded by the data preprocessor (image
#   0 after normalisation = the mean, label 255). No photometric distortion.
#   The factor is drawn per image from the continuous [0.5, 2.0] and applied
#   to that image's own size (RandomRescale of mmseg_jml: MMCV's
#   RandomResize scales to a fixed target size, and these images differ in
#   size).
# - test: the original resolution, no resize, padded to at least the crop
#   size by the data preprocessor (as the official test Pad) and predicted by
#   the models' slide inference (`slide_test_cfg`).
_base_ = '../evaluation/official_iou_ece.py'
dataset_type = 'ADE20KDataset'
data_root = 'data/ade/ADEChallengeData2016'
crop_size = (512, 512)
# official Segmentor.predict: stride = int(ceil(crop * stride_rate)), 2/3
slide_test_cfg = dict(mode='slide', crop_size=crop_size, stride=(342, 342))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomRescale', ratio_range=(0.5, 2.0)),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='images/training', seg_map_path='annotations/training'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='images/validation',
            seg_map_path='annotations/validation'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
