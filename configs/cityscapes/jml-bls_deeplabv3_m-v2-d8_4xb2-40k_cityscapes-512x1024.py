# CE 0.25 + JML 0.75 on boundary-label-smoothed targets.
_base_ = [
    './ce_deeplabv3_m-v2-d8_4xb2-40k_cityscapes-512x1024.py',
    '../_base_/losses/jml-bls.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_bls_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_bls_aux_losses}}))
