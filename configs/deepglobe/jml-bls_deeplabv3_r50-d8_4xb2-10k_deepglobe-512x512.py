# Table 14 (DeepGlobe Land, DL3-R50): jml.py's weights on
# boundary-label-smoothed targets (k = 3, eps = 0.5): decode CE 0.125 + JML
# 0.75, auxiliary CE 0.125 (configs/_base_/losses/jml-bls.py). The teacher of
# the Table 14 KD rows (DL3-R18 students), as the official README's KD
# example (teacher deeplabv3_resnet50d, student
# deeplabv3_resnet18d).
# Folds: see the CE config.
_base_ = [
    './ce_deeplabv3_r50-d8_4xb2-10k_deepglobe-512x512.py',
    '../_base_/losses/jml-bls.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_bls_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_bls_aux_losses}}))
