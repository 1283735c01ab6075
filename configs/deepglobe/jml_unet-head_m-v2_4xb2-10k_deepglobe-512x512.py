# CE 0.25 + JML 0.75 (the paper's weights).
_base_ = [
    './ce_unet-head_m-v2_4xb2-10k_deepglobe-512x512.py',
    '../_base_/losses/jml.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_aux_losses}}))
