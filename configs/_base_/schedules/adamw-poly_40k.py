# The paper's AdamW recipe for SegFormer (Appendix B) as its official code
# runs it: configs/optims/adamw_lr6e-5.yaml (lr 6e-5, weight decay 0.01,
# start_lr 1e-6, multiplier 10, power 1), PyTorch's AdamW betas (0.9, 0.999)
# and the same head multiplier, 1-D no-decay rule and warm-up as the SGD
# recipe (sgd-poly_40k.py), with poly power 1.
_base_ = './sgd-poly_40k.py'
base_lr = 6e-5
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True,
        type='AdamW',
        lr=base_lr,
        betas=(0.9, 0.999),
        weight_decay=0.01))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6 / base_lr,
        by_epoch=False,
        begin=0,
        end=400 + 1),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        by_epoch=False,
        begin=400,
        end=40000 + 1)
]
