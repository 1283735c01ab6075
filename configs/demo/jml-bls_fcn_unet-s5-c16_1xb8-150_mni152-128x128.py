# CE 0.25 + JML 0.75 on boundary-label-smoothed targets (k = 3, eps = 0.5),
# computed inside the losses from the hard labels: MMSeg's data flow is
# untouched.
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
model = dict(decode_head=dict(loss_decode={{_base_.demo_jml_bls_losses}}))
