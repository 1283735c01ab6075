# Supervised-only baseline (AugSeg's SupOnly, the paper's "Supervise" row):
# the same DeepLabV3+ R101 on the labelled list only, CE, 2 GPUs x 8, 80
# epochs over the labelled set, evaluation every epoch.
_base_ = [
    './deeplabv3plus_r101-d16-augseg.py', './voc12aug_semi-513x513.py',
    './augseg_schedule.py', 'mmseg::_base_/default_runtime.py'
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True))
