# CE on boundary-label-smoothed targets (k = 3, eps = 0.5, the official
# defaults), computed inside the loss from the hard labels.
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
model = dict(decode_head=dict(loss_decode={{_base_.demo_ce_bls_losses}}))
