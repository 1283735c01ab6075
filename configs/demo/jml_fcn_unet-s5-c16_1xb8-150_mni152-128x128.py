# CE + JML with the paper's weights (0.25 / 0.75), hard labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
        dict(type='JaccardMetricLoss', loss_weight=0.75),
    ]))
