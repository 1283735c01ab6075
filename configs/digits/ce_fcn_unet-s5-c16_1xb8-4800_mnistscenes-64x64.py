# The distillation teacher: the CE baseline's UNet-c16 trained three times as
# long (4800 iterations; the same AdamW recipe, its warm-up and decay
# stretched to the longer schedule). A wider teacher would cost every KD
# student's step several student forwards on two CPU cores; a longer-trained
# one costs one. Not JML-BLS, the teacher of the paper's configs: on these
# 2-4 pixel strokes nearly every digit pixel is a boundary pixel, and JML-BLS
# settles on predicting background everywhere (seed 0, 4800 iterations: mIoU
# 8.67, aAcc 95.38 = the background's share); nor JML, whose pilot run had not
# started to tell the digits apart after 1200 iterations (its loss flat since
# iteration 400), while cross-entropy learns them steadily. The KD students
# load its same-seed checkpoint, so it trains first (tools/sweep.py orders
# it).
_base_ = './ce_fcn_unet-s5-c16_1xb8-1600_mnistscenes-64x64.py'
max_iters = 4800
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
