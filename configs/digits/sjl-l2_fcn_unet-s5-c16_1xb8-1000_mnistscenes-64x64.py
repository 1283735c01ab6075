# Table 10 variant: the classic soft Jaccard loss (squared L2
# cardinalities) in JML's place, with the JML weights (decode CE 0.125 +
# 0.75, auxiliary CE 0.125), hard labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.125),
        dict(type='JaccardMetricLoss', variant='sjl_l2', loss_weight=0.75)
    ]),
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.125)]))
