# Digit-scenes baseline: cross-entropy with the official weights (decode 0.5,
# auxiliary 0.5), a 16-channel UNet (BN) trained from scratch for 300
# iterations of 8 scenes (MMSeg's SGD/poly recipe at lr 0.05). Every other
# config of this folder inherits this file (or its 32-channel teacher) and
# changes the losses only.
_base_ = [
    '../_base_/models/fcn_unet-s5-c16-aux.py',
    '../_base_/datasets/mnist_scenes.py', 'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
num_classes = 11
data_preprocessor = dict(
    mean=[11.5, 11.5, 11.5],
    std=[46.0, 46.0, 46.0],
    size_divisor=16,
    test_cfg=dict(size_divisor=16))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.5)]),
    auxiliary_head=dict(
        num_classes=num_classes,
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.5)]))
max_iters = 300
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=max_iters))
