# AugSeg's mean teacher in MMSeg: SemiEncoderDecoder (student + EMA
# teacher), 8 labelled + 8 unlabelled images per GPU from
# EpochMultiSourceSampler (epochs over the unlabelled set), MeanTeacherHook
# (copy during epoch 0, then min(1 - 1/(t+1), 0.999), BN buffers included),
# teacher and student evaluated every epoch (TeacherStudentValLoop), best
# checkpoint by teacher mIoU (AugSeg's ckpt_best). Losses (AugSeg): CE on
# labelled images + CE on the confidence >= 0.95 pseudo labels of the
# CutMix-ed strong views, averaged over all pixels ('all_pixels').
_base_ = [
    './deeplabv3plus_r101-d16-augseg.py', './voc12aug_semi-513x513.py',
    './augseg_schedule.py', './ssl_losses.py',
    'mmseg::_base_/default_runtime.py'
]
model = dict(
    type='SemiEncoderDecoder',
    data_preprocessor=dict(
        _delete_=True,
        type='MultiBranchDataPreprocessor',
        data_preprocessor={{_base_.seg_data_preprocessor}}),
    unsup_hard_losses={{_base_.ssl_unsup_ce}},
    unsup_soft_losses=None,
    conf_thresh=0.95,
    hard_loss_reduction='all_pixels',
    soft_loss_conf_mask=False,
    cutmix=True,
    cutmix_adaptive=True,
    cutmix_beta_labeled=(8.0, 2.0),
    cutmix_beta_unlabeled=(4.0, 4.0),
    predict_on='teacher')
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(
        type='EpochMultiSourceSampler', batch_size=16, source_ratio=[1, 1]))
val_cfg = dict(type='TeacherStudentValLoop')
custom_hooks = [
    dict(type='MeanTeacherHook', max_decay=0.999, copy_epochs=1)
]
