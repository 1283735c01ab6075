# Baseline: cross-entropy.
_base_ = [
    '../_base_/models/fcn_unet-s5-c16.py', '../_base_/datasets/mni152.py',
    'mmseg::_base_/default_runtime.py', '../_base_/schedules/schedule_150.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
optim_wrapper = dict(optimizer=dict(lr=0.05))
