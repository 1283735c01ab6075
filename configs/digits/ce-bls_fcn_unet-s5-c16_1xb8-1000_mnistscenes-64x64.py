# CE on boundary-label-smoothed targets (k = 3, eps = 0.5, the official
# defaults), decode 0.5 and auxiliary 0.5, computed inside the loss from the
# hard labels (configs/_base_/losses/ce-bls.py).
_base_ = [
    './ce_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py',
    '../_base_/losses/ce-bls.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.ce_bls_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.ce_bls_aux_losses}}))
