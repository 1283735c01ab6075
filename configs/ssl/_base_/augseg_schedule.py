# AugSeg's optimisation: SGD momentum 0.9, weight decay 1e-4 on every
# parameter, lr 1e-3 for the backbone and 1e-2 (x10) for the head, poly 0.9
# to 0 every iteration, no warm-up; 80 epochs, evaluation (and the best
# checkpoint) every epoch. The leaves set iters_per_epoch and max_iters.
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=0.0001),
    paramwise_cfg=dict(custom_keys=dict(decode_head=dict(lr_mult=10.0))),
    clip_grad=None)
test_cfg = dict(type='TestLoop')
randomness = dict(seed=2)
