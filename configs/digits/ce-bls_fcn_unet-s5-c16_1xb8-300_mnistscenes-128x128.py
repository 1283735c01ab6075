# CE on boundary-label-smoothed targets (k = 3, eps = 0.5, the official
# defaults), decode 0.5 and auxiliary 0.5, computed inside the loss from the
# hard labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-300_mnistscenes-128x128.py'
bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss', loss_weight=0.5,
            target_transform=bls)
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss', loss_weight=0.5,
            target_transform=bls)
    ]))
