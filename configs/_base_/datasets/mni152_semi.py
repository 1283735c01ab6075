# The MNI152 demo data (./mni152.py) for semi-supervised training: 1/8 of
# the 79 training slices labelled (10, one drawn per stratum of 8 along the
# axial axis: configs/ssl/splits/mni152-1of8, tools/ssl/make_semi_split.py),
# the other 69 unlabelled. AugSeg's data flow at demo size: each batch 8
# labelled + 8 unlabelled (EpochMultiSourceSampler, an epoch = 69 // 8 = 8
# iterations over the unlabelled set); the demo's geometry once per image,
# then the weak view (teacher) and the strong view (student: AugSeg's
# intensity operations) of every unlabelled crop, pixel-aligned. Unlabelled
# slices never load a label (so their crop cannot use cat_max_ratio).
_base_ = './mni152.py'
semi_split = '{{ fileDirname }}/../../ssl/splits/mni152-1of8'
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
# the demo's RandomResize (./mni152.py)
semi_resize = dict(
    type='RandomResize',
    scale=(233, 197),
    ratio_range=(0.75, 1.25),
    keep_ratio=True)
labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    semi_resize,
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=0.9),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='MultiBranch',
        branch_field=branch_field,
        branch_pipelines=dict(sup=[dict(type='PackSegInputs')]))
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    semi_resize,
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5),
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
train_dataloader = dict(
    batch_size=16,
    sampler=dict(
        _delete_=True,
        type='EpochMultiSourceSampler',
        batch_size=16,
        source_ratio=[1, 1]),
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type={{_base_.dataset_type}},
                data_root={{_base_.data_root}},
                data_prefix=dict(
                    img_path='img_dir/train', seg_map_path='ann_dir/train'),
                ann_file=semi_split + '/labeled.txt',
                pipeline=labeled_pipeline),
            dict(
                type={{_base_.dataset_type}},
                data_root={{_base_.data_root}},
                data_prefix=dict(
                    img_path='img_dir/train', seg_map_path='ann_dir/train'),
                ann_file=semi_split + '/unlabeled.txt',
                pipeline=unlabeled_pipeline)
        ]))
