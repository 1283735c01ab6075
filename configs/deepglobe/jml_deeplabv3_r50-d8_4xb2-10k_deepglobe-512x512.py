# Table 14 (DeepGlobe Land, DL3-R50): CE + JML with the official weights:
# decode CE 0.125 + JML 0.75, auxiliary CE 0.125
# (configs/_base_/losses/jml.py).
# Folds: see the CE config.
_base_ = [
    './ce_deeplabv3_r50-d8_4xb2-10k_deepglobe-512x512.py',
    '../_base_/losses/jml.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_aux_losses}}))
