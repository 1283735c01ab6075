# CE + JML with the official weights: decode CE 0.125 + JML 0.75,
# auxiliary CE 0.125 (configs/_base_/losses/jml.py).
_base_ = [
    './ce_segformer_mit-b5_4xb2-40k_ade20k-512x512.py',
    '../_base_/losses/jml.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_aux_losses}}))
