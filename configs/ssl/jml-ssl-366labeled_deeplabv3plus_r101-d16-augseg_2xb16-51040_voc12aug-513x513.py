# JML-SSL (AugSeg + JML with BLS), PASCAL VOC 366 labelled / 10216 unlabelled images
# (configs/ssl/splits/366). Epochs over the unlabelled set: 2 GPUs x 8
# unlabelled -> floor(ceil(10216 / 2) / 8) = 638 iterations (AugSeg's
# log), 80 epochs = 51040 iterations.
_base_ = './_base_/jml-ssl.py'
iters_per_epoch = 638
train_dataloader = dict(
    dataset=dict(
        type='ConcatDataset',
        datasets=[
        dict(
            type='PascalVOCDataset',
            data_root='data/VOCdevkit/VOC2012',
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
            ann_file='{{ fileDirname }}/splits/366/labeled.txt',
            pipeline={{_base_.labeled_pipeline}}),
        dict(
            type='PascalVOCDataset',
            data_root='data/VOCdevkit/VOC2012',
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
            ann_file='{{ fileDirname }}/splits/366/unlabeled.txt',
            pipeline={{_base_.unlabeled_pipeline}})
        ]))
max_iters = 80 * iters_per_epoch
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters,
    val_interval=iters_per_epoch)
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=iters_per_epoch,
        max_keep_ckpts=1, save_best='teacher/mIoU', rule='greater'))
