# jml.py's weights on boundary-label-smoothed targets (k = 3,
# eps = 0.5): decode CE 0.125 + JML 0.75, auxiliary CE 0.125
# (configs/_base_/losses/jml-bls.py).
_base_ = [
    './ce_segformer_mit-b1_4xb2-40k_ade20k-512x512.py',
    '../_base_/losses/jml-bls.py'
]
model = dict(
    decode_head=dict(loss_decode={{_base_.jml_bls_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_bls_aux_losses}}))
