# Digit-scenes baseline: cross-entropy with the official weights (decode 0.5,
# auxiliary 0.5; configs/_base_/losses/ce.py), a 16-channel UNet (BN) trained
# from scratch for 1000 iterations of 8 random 64 x 64 crops with AdamW (lr
# 2e-3, weight decay 0.01) in the official schedule's shape: linear warm-up
# over the first 1% of the iterations, then poly decay to 0 with power 0.9.
# Every other config of this folder inherits this file and changes the losses
# only (the KD teacher also trains 3x longer).
#
# Two departures from MMSeg's UNet recipe, both found in pilot runs on this
# data (1500-4800 iterations): MMSeg's SGD (lr 0.05, momentum 0.9) learns where
# the strokes are but not which digit they form (mIoU 10.6, every stroke one
# class; AdamW: 41); and MMSeg's initialisation of the UNet (Kaiming normal,
# fan-out) and of the heads' classifiers (normal, std 0.01) leaves the model
# predicting the background, or one digit, everywhere (mIoU 8.7-10.4 after 4800
# iterations), so the modules keep PyTorch's default initialisation
# (init_cfg=[]).
_base_ = [
    '../_base_/models/fcn_unet-s5-c16-aux.py',
    '../_base_/datasets/mnist_scenes.py', 'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py', '../_base_/losses/ce.py'
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
    backbone=dict(init_cfg=[]),
    decode_head=dict(
        init_cfg=[],
        num_classes=num_classes, loss_decode={{_base_.ce_decode_losses}}),
    auxiliary_head=dict(
        init_cfg=[],
        num_classes=num_classes,
        loss_decode={{_base_.ce_aux_losses}}))
max_iters = 1000
warmup_iters = max_iters // 100
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        begin=0,
        end=warmup_iters,
        by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=warmup_iters,
        end=max_iters,
        by_epoch=False)
]
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999),
                   weight_decay=0.01))
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=False, interval=max_iters))
