# Table 10 variant: CE 0.25 + the classic soft Jaccard loss (squared-L2
# cardinalities),
# hard labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
        dict(type='JaccardMetricLoss', variant='sjl_l2', loss_weight=0.75)
    ]))
