# JML on the soft ground truth (each digit's stroke coverage against the
# background) through SoftLabelEncoderDecoder: decode CE 0.125 + JML 0.75,
# auxiliary CE 0.125, all on the soft maps. Validation stays on the hard
# labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-300_mnistscenes-128x128.py'
model = dict(
    type='SoftLabelEncoderDecoder',
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.125),
        dict(type='JaccardMetricLoss', loss_weight=0.75)
    ]),
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.125)]))
train_dataloader = dict(
    dataset=dict(
        data_prefix={{_base_.soft_train_prefix}},
        pipeline={{_base_.soft_train_pipeline}}))
