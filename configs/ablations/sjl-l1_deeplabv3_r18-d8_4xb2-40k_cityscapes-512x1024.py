# Table 10: the classic soft Jaccard loss (L1 cardinalities) in place of JML,
# on hard targets,
# with the official weights of configs/_base_/losses/jml.py (decode CE
# 0.125 + 0.75, auxiliary CE 0.125).
_base_ = '../cityscapes/ce_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss',
            loss_weight=0.125),
        dict(
            type='JaccardMetricLoss',
            variant='sjl_l1',
            loss_weight=0.75,
            reduce_across_ranks=True)
    ]),
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.125)]))
