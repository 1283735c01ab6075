# PASCAL VOC 2012 + SBD ("aug") in MMSeg's layout (data/VOCdevkit/VOC2012
# with JPEGImages, SegmentationClass and SegmentationClassAug from
# tools/dataset_converters/voc_aug.py), AugSeg's pipelines:
# - labelled: long side resized to U[250, 1000] (aspect kept), flip 0.5,
#   random 513 crop; padding to 513 (mean colour / 255) in the data
#   preprocessor;
# - unlabelled: the same geometry once, then the weak view (teacher) and the
#   strong view (student: StrongIntensityAugment, 1-3 of AugSeg's 11 ops);
#   no label is loaded;
# - validation: the whole image at its original resolution (no resize, no
#   crop, no flip), batch 1.
# The split leaves set the labelled/unlabelled ann_file lists
# (configs/ssl/splits/<n>/, see PROVENANCE.md there).
dataset_type = 'PascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
crop_size = (513, 513)
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
geometric = [
    dict(type='RandomResize', scale=(500, 500), ratio_range=(0.5, 2.0),
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    *geometric,
    dict(type='PackSegInputs')
]
labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    *geometric,
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        branch_pipelines=dict(sup=[dict(type='PackSegInputs')]))
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    *geometric,
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        branch_pipelines=dict(
            unsup_teacher=[dict(type='PackSegInputs')],
            unsup_student=[
                dict(type='StrongIntensityAugment', num_ops=3,
                     random_num_ops=True),
                dict(type='PackSegInputs')
            ]))
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file='{{ fileDirname }}/../splits/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
