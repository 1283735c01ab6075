# JML with the official weights: decode CE 0.125 + JML 0.75, auxiliary CE
# 0.125 (no JML on the auxiliary head), hard labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-300_mnistscenes-128x128.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.125),
        dict(type='JaccardMetricLoss', loss_weight=0.75)
    ]),
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.125)]))
