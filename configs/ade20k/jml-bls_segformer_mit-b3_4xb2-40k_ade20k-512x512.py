# CE 0.25 + JML 0.75 on boundary-label-smoothed targets.
_base_ = [
    './ce_segformer_mit-b3_4xb2-40k_ade20k-512x512.py',
    '../_base_/losses/jml-bls.py'
]
model = dict(decode_head=dict(loss_decode={{_base_.jml_bls_decode_losses}}))
