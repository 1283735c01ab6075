# The paper's SGD recipe as its official code (zifuwanggg/JDTLosses) runs it:
# configs/optims/sgd_lr1e-2.yaml (lr 0.01, momentum 0.9, weight decay 5e-4,
# start_lr 1e-6, multiplier 10, power 0.9), configs/schedules/40k_iters.yaml
# (40k iterations, warmup_ratio 0.01) and main.py / models/segmentor.py:
# - parameters of the decode and auxiliary heads at 10x the backbone's lr;
# - no weight decay on 1-D parameters (norm weights and biases, conv/linear
#   biases): MMSeg's ForceDefaultOptimWrapperConstructor applies
#   flat_decay_mult to the head parameters as well, which MMEngine's default
#   constructor skips for parameters matched by a custom key;
# - per iteration i (LambdaLR stepped after every iteration): a linear
#   warm-up from 1e-6 over the first 1% of the iterations, then poly decay
#   (1 - (i - W) / (T - W)) ** 0.9 to 0. LinearLR ends at W + 1 and PolyLR at
#   T + 1 because MMEngine reaches the end value one step before `end`: with
#   these ends the poly factor equals the official one at every iteration
#   (tests/test_configs/test_paper_recipes.py). The warm-up is linear from
#   1e-6 where the official one is max(1e-6, lr * i / W): docs/recipes.md.
max_iters = 40000
warmup_iters = max_iters // 100
base_lr = 0.01
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, weight_decay=5e-4),
    clip_grad=None,
    constructor='ForceDefaultOptimWrapperConstructor',
    paramwise_cfg=dict(
        custom_keys=dict(
            decode_head=dict(lr_mult=10.0),
            auxiliary_head=dict(lr_mult=10.0)),
        flat_decay_mult=0.0,
        force_default_settings=True))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6 / base_lr,
        by_epoch=False,
        begin=0,
        end=warmup_iters + 1),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        by_epoch=False,
        begin=warmup_iters,
        end=max_iters + 1)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=4000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=4000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
