# Semi-supervised demo, AugSeg row: the demo UNet as a SemiEncoderDecoder
# (mean teacher, AugSeg's adaptive label-aided CutMix, confidence >= 0.95
# pseudo labels) on the 1/8 split of the MNI152 slices (8 labelled + 8
# unlabelled per batch, ../_base_/datasets/mni152_semi.py), the demo's
# schedule (150 iterations, SGD lr 0.05, poly). Losses (AugSeg, CE terms
# only): CE on the labelled slices + CE on the pseudo labels averaged over
# all pixels. The teacher is evaluated (and tested) as in configs/ssl.
# One change to AugSeg's teacher rule for the 150-iteration schedule: the
# decay cap 0.999 (a horizon of ~1000 iterations, 1.5 of AugSeg's 655-
# iteration epochs) becomes 0.9 (~10 iterations, 1.25 of the demo's
# 8-iteration epochs); the copy during the first epoch and the
# 1 - 1/(t + 1) ramp are AugSeg's.
_base_ = [
    '../_base_/models/fcn_unet-s5-c16.py',
    '../_base_/datasets/mni152_semi.py', 'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_150.py', '../ssl/_base_/ssl_losses.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
model = dict(
    type='SemiEncoderDecoder',
    data_preprocessor=dict(
        _delete_=True,
        type='MultiBranchDataPreprocessor',
        data_preprocessor={{_base_.data_preprocessor}}),
    decode_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=1.0)]),
    unsup_hard_losses={{_base_.ssl_unsup_ce}},
    conf_thresh=0.95,
    hard_loss_reduction='all_pixels',
    predict_on='teacher')
val_cfg = dict(type='TeacherStudentValLoop')
custom_hooks = [dict(type='MeanTeacherHook', max_decay=0.9, copy_epochs=1)]
