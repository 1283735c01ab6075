# Table 5 ablation: CE 0.50 + JML 0.50 (the paper uses 0.25 / 0.75).
_base_ = '../voc12aug/ce_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.5),
        dict(type='JaccardMetricLoss', loss_weight=0.5)
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.2),
        dict(type='JaccardMetricLoss', loss_weight=0.2)
    ]))
