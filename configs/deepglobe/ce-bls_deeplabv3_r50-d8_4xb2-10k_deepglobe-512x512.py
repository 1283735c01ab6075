# Table 14 (DeepGlobe Land, DL3-R50): CE on boundary-label-smoothed targets
# (k = 3, eps = 0.5) on both heads, 0.5 each
# (configs/_base_/losses/ce-bls.py).
# Folds: see the CE config.
_base_ = [
    './ce_deeplabv3_r50-d8_4xb2-10k_deepglobe-512x512.py',
    '../_base_/losses/ce-bls.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.ce_bls_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.ce_bls_aux_losses}}))
