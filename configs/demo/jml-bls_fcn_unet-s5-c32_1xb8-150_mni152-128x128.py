# Distillation teacher of the demo: the JML-BLS recipe on a UNet twice as
# wide as the students (32 base channels). The KD students load its seed-0
# checkpoint (work_dirs/demo/<this config>/seed0/iter_150.pth), so it
# trains first.
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
model = dict(
    backbone=dict(base_channels=32),
    decode_head=dict(
        in_channels=32,
        channels=32,
        loss_decode={{_base_.demo_jml_bls_losses}}))
