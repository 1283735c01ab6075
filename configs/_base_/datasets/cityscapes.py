# Cityscapes (19 classes) with the official code's pipelines
# (zifuwanggg/JDTLosses, datas/datasets/base_dataset.py and transform.py;
# configs/datas/cityscapes.yaml: scale 0.5-2.0, crop 512x1024, ignore 255):
# - training: rescale by a random factor in [0.5, 2.0] of the image's own size
#   (RandomRescale of mmseg_jml, a continuous factor drawn per image), random
#   crop with no category-ratio check, horizontal flip
#   0.5; images smaller than the crop are padded by the data preprocessor
#   (image 0 after normalisation = the mean, label 255). No photometric
#   distortion.
# - test: the original resolution, no resize; the models' slide inference
#   (`slide_test_cfg`, windows of the crop size, stride ceil(2/3 crop)).
# Prepare with MMSeg's tools/dataset_converters/cityscapes.py.
_base_ = '../evaluation/official_iou_ece.py'
dataset_type = 'CityscapesDataset'
data_root = 'data/cityscapes/'
crop_size = (512, 1024)
# official Segmentor.predict: stride = int(ceil(crop * stride_rate)), 2/3
slide_test_cfg = dict(mode='slide', crop_size=crop_size, stride=(342, 683))
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
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
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
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
