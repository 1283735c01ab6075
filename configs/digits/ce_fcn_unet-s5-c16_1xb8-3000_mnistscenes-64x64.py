# The distillation teacher: the CE baseline's UNet-c16 trained three times as
# long (3000 iterations; the same recipe, its warm-up and decay stretched to
# the longer schedule). A wider teacher would cost every KD student's step
# several student forwards on two CPU cores; a longer-trained one costs one. A
# CE teacher rather than the JML-BLS one of the paper's configs: a teacher only
# has to be clearly stronger than its students, and CE is the recipe the pilot
# runs on this data established (see the CE config). The KD students load its
# same-seed checkpoint, so it trains first (tools/sweep.py orders it).
_base_ = './ce_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py'
max_iters = 3000
warmup_iters = max_iters // 100
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        begin=0,
        end=warmup_iters,
        by_epoch=False),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=warmup_iters,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=max_iters))
