# JML-BLS (configs/_base_/losses/jml-bls.py): the JML weights (decode CE
# 0.125 + JML 0.75, auxiliary CE 0.125) on boundary-label-smoothed targets
# (k = 3, eps = 0.5).
_base_ = [
    './ce_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py',
    '../_base_/losses/jml-bls.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_bls_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_bls_aux_losses}}))
