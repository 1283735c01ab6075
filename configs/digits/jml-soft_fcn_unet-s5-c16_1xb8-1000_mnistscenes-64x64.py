# JML on the soft ground truth (each digit's stroke coverage against the
# background) through SoftLabelEncoderDecoder: the JML weights (decode CE
# 0.125 + JML 0.75, auxiliary CE 0.125; configs/_base_/losses/jml.py), all
# on the soft maps. Validation stays on the hard labels.
_base_ = [
    './ce_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py',
    '../_base_/losses/jml.py'
]
model = dict(
    type='SoftLabelEncoderDecoder',
    decode_head=dict(loss_decode={{_base_.jml_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_aux_losses}}))
train_dataloader = dict(
    dataset=dict(
        data_prefix={{_base_.soft_train_prefix}},
        pipeline={{_base_.soft_train_pipeline}}))
