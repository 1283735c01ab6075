# The SegFormer recipe of the paper's ADE20K runs (Appendix B, following
# MMSeg's SegFormer configs): AdamW lr 6e-5, weight decay 0.01, the head at
# 10x learning rate, 1500 iterations of linear warm-up, then poly decay
# (power 1) to 40k iterations.
_base_ = 'mmseg::_base_/schedules/schedule_40k.py'
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.00006, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys=dict(
            pos_block=dict(decay_mult=0.0),
            norm=dict(decay_mult=0.0),
            head=dict(lr_mult=10.0))))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=1500,
        end=40000,
        by_epoch=False)
]
