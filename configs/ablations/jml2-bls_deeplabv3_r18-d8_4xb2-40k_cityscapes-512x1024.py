# Table 10: CE 0.25 + JML in its product form (Delta_JML2)
# on boundary-label-smoothed targets.
_base_ = '../cityscapes/ce_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024.py'
bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss',
            loss_weight=0.25,
            target_transform=bls),
        dict(
            type='JaccardMetricLoss',
            variant='jml2',
            loss_weight=0.75,
            target_transform=bls)
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss', loss_weight=0.1,
            target_transform=bls),
        dict(
            type='JaccardMetricLoss',
            variant='jml2',
            loss_weight=0.3,
            target_transform=bls)
    ]))
