# JML-BLS: the JML weights (decode CE 0.125 + JML 0.75, auxiliary CE 0.125)
# on boundary-label-smoothed targets (k = 3, eps = 0.5).
_base_ = './ce_fcn_unet-s5-c16_1xb8-300_mnistscenes-128x128.py'
bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss', loss_weight=0.125,
            target_transform=bls),
        dict(type='JaccardMetricLoss', loss_weight=0.75, target_transform=bls)
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss', loss_weight=0.125,
            target_transform=bls)
    ]))
