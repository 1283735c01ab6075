# JML trained on the soft ground truth (the MNI152 tissue probabilities):
# CE 0.25 + JML 0.75, both on the soft maps, through SoftLabelEncoderDecoder.
_base_ = [
    '../_base_/models/fcn_unet-s5-c16.py',
    '../_base_/datasets/mni152_soft.py', 'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_150.py', '../_base_/losses/demo.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
model = dict(
    type='SoftLabelEncoderDecoder',
    decode_head=dict(loss_decode={{_base_.demo_jml_losses}}))
