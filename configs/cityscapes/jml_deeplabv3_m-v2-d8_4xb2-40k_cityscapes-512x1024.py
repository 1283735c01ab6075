# CE + JML with the official weights: decode CE 0.125 + JML 0.75,
# auxiliary CE 0.125 (configs/_base_/losses/jml.py).
_base_ = [
    './ce_deeplabv3_m-v2-d8_4xb2-40k_cityscapes-512x1024.py',
    '../_base_/losses/jml.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_aux_losses}}))
