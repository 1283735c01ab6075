# The SGD recipe (sgd-poly_40k.py) over 10k iterations, the paper's DeepGlobe
# Land schedule (Appendix B); warm-up over the first 1% (100 iterations), as
# the official warmup_ratio 0.01.
_base_ = './sgd-poly_40k.py'
max_iters = 10000
warmup_iters = max_iters // 100
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6 / 0.01,
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
train_cfg = dict(max_iters=max_iters, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
