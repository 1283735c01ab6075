# DeepGlobe Land Cover (6 classes, "unknown" ignored), fold 0 of 5, with the
# official code's pipelines (zifuwanggg/JDTLosses,
# datas/datasets/base_dataset.py and transform.py;
# configs/datas/deepglobe_land_fold0.yaml: scale 0.5-2.0, crop 512x512):
# - training: rescale by a random factor in [0.5, 2.0] of the image's own
#   size (RandomRescale of mmseg_jml, a continuous factor drawn per image),
#   random crop with no category-ratio check, horizontal flip 0.5. No
#   photometric distortion.
# - test: the whole 2448x2448 image at its resolution, predicted by the
#   models' slide inference (`slide_test_cfg`: 512x512 windows, stride 342).
# Prepare with:
#   python tools/dataset_converters/deepglobe.py path/to/land-train \
#       data/deepglobe_land
# Other folds: set ann_file='splits/fold{k}_train.txt' / 'fold{k}_val.txt'
# in train_dataloader / val_dataloader (k = 0...4).
_base_ = '../evaluation/official_iou_ece.py'
dataset_type = 'DeepGlobeLandDataset'
data_root = 'data/deepglobe_land'
crop_size = (512, 512)
# official Segmentor.predict: stride = int(ceil(crop * stride_rate)), 2/3
slide_test_cfg = dict(mode='slide', crop_size=crop_size, stride=(342, 342))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomRescale', ratio_range=(0.5, 2.0)),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
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
