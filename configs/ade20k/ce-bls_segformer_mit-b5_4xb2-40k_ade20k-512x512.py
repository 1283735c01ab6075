# CE on boundary-label-smoothed targets (k = 3, eps = 0.5) on both heads,
# 0.5 each (configs/_base_/losses/ce-bls.py).
_base_ = [
    './ce_segformer_mit-b5_4xb2-40k_ade20k-512x512.py',
    '../_base_/losses/ce-bls.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.ce_bls_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.ce_bls_aux_losses}}))
