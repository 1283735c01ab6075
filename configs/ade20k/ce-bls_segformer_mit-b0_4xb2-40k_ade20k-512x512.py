# CE on boundary-label-smoothed targets (k = 3, eps = 0.5).
_base_ = [
    './ce_segformer_mit-b0_4xb2-40k_ade20k-512x512.py',
    '../_base_/losses/ce-bls.py'
]
model = dict(decode_head=dict(loss_decode={{_base_.ce_bls_decode_losses}}))
