# Table 10 variant: CE 0.25 + the classic soft Jaccard loss (squared-L2
# cardinalities),
# on boundary-label-smoothed targets (k = 3, eps = 0.5).
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss', loss_weight=0.25,
            target_transform=bls),
        dict(
            type='JaccardMetricLoss',
            variant='sjl_l2',
            loss_weight=0.75,
            target_transform=bls)
    ]))
