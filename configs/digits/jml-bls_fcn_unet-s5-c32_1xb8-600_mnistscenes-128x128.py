# The distillation teacher: JML-BLS (decode CE 0.125 + JML 0.75, auxiliary
# CE 0.125, BLS k = 3, eps = 0.5) on a UNet twice as wide (32 base channels,
# about 4x the students' compute) trained twice as long (600 iterations).
# The KD students load its seed-0 checkpoint, so it trains first.
_base_ = './ce_fcn_unet-s5-c16_1xb8-300_mnistscenes-128x128.py'
bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
model = dict(
    backbone=dict(base_channels=32),
    decode_head=dict(
        in_channels=32,
        channels=32,
        loss_decode=[
            dict(
                type='SoftCrossEntropyLoss',
                loss_weight=0.125,
                target_transform=bls),
            dict(
                type='JaccardMetricLoss',
                loss_weight=0.75,
                target_transform=bls)
        ]),
    auxiliary_head=dict(
        in_channels=64,
        channels=32,
        loss_decode=[
            dict(
                type='SoftCrossEntropyLoss',
                loss_weight=0.125,
                target_transform=bls)
        ]))
max_iters = 600
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=max_iters))
