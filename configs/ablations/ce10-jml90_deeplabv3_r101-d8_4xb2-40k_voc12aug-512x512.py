# Table 5 ablation: ce_weight 0.1 / jdt_weight 0.9 (the paper's
# runs use 0.25 / 0.75) with the official head weights: decode CE
# 0.1 x 0.5 = 0.05 + JML 0.9, auxiliary CE 0.05, no JML on the auxiliary head.
_base_ = '../voc12aug/ce_deeplabv3_r101-d8_4xb2-40k_voc12aug-512x512.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.05),
        dict(
            type='JaccardMetricLoss',
            loss_weight=0.9,
            reduce_across_ranks=True)
    ]),
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.05)]))
