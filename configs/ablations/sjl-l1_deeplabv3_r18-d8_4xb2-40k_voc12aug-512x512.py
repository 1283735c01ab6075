# Table 10: CE 0.25 + the classic soft Jaccard loss (L1 cardinalities)
# on hard targets.
_base_ = '../voc12aug/ce_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
        dict(type='JaccardMetricLoss', variant='sjl_l1', loss_weight=0.75)
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.1),
        dict(type='JaccardMetricLoss', variant='sjl_l1', loss_weight=0.3)
    ]))
