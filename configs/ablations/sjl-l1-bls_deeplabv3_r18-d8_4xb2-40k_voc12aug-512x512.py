# Table 10: the classic soft Jaccard loss (L1 cardinalities) in place of JML,
# on boundary-label-smoothed targets (k = 3, eps = 0.5),
# with the official weights of configs/_base_/losses/jml.py (decode CE
# 0.125 + 0.75, auxiliary CE 0.125).
_base_ = '../voc12aug/ce_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512.py'
bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss',
            loss_weight=0.125,
            target_transform=bls),
        dict(
            type='JaccardMetricLoss',
            variant='sjl_l1',
            loss_weight=0.75,
            reduce_across_ranks=True,
            target_transform=bls)
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss',
            loss_weight=0.125,
            target_transform=bls)
    ]))
