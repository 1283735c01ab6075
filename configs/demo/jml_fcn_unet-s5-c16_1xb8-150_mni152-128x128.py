# CE 0.25 + JML 0.75 (the paper's stated mix) on the hard labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
model = dict(decode_head=dict(loss_decode={{_base_.demo_jml_losses}}))
