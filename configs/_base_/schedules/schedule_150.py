# A CPU-sized schedule: MMSeg's SGD/poly recipe, 150 iterations (about a
# minute on 2 CPU cores) at lr 0.05 (the demo trains from scratch).
_base_ = 'mmseg::_base_/schedules/schedule_20k.py'
max_iters = 150
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=max_iters))
optim_wrapper = dict(optimizer=dict(lr=0.05))
