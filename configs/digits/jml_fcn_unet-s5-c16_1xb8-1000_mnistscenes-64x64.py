# JML with the official weights (configs/_base_/losses/jml.py): decode CE
# 0.125 + JML 0.75, auxiliary CE 0.125 (no JML on the auxiliary head), hard
# labels.
_base_ = [
    './ce_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py',
    '../_base_/losses/jml.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_aux_losses}}))
