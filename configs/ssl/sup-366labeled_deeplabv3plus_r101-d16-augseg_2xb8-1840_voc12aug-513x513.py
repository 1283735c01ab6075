# Supervised only on the 366 labelled images (configs/ssl/splits/366):
# 2 GPUs x 8 -> ceil(ceil(366 / 2) / 8) = 23 iterations per epoch
# (AugSeg's SupOnly log), 80 epochs = 1840 iterations.
_base_ = './_base_/sup-only.py'
iters_per_epoch = 23
train_dataloader = dict(
    dataset=dict(
        type='PascalVOCDataset',
        data_root='data/VOCdevkit/VOC2012',
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
        ann_file='{{ fileDirname }}/splits/366/labeled.txt',
        pipeline={{_base_.train_pipeline}}))
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
        max_keep_ckpts=1, save_best='mIoU', rule='greater'))
