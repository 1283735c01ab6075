# Demo baseline: cross-entropy, a 16-channel UNet (BN) trained from scratch
# on the MNI152 tissue slices for 150 iterations. Every other demo config
# inherits this file and changes the losses only (configs/_base_/losses/
# demo.py: the demo's decode-head-only weights).
_base_ = [
    '../_base_/models/fcn_unet-s5-c16.py', '../_base_/datasets/mni152.py',
    'mmseg::_base_/default_runtime.py', '../_base_/schedules/schedule_150.py',
    '../_base_/losses/demo.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
model = dict(decode_head=dict(loss_decode={{_base_.demo_ce_losses}}))
