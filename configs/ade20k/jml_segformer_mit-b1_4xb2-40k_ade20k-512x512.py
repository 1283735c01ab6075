# CE 0.25 + JML 0.75 (the paper's weights).
_base_ = [
    './ce_segformer_mit-b1_4xb2-40k_ade20k-512x512.py',
    '../_base_/losses/jml.py'
]
model = dict(decode_head=dict(loss_decode={{_base_.jml_decode_losses}}))
