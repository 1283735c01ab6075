# SegFormer with a MiT-B1 backbone, as MMSeg's segformer_mit-b1 configs
# (which keep the all-MLP head at 256 channels, like B0's base). ImageNet
# weights: backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=...))
# with the mit_b1 checkpoint that MMSeg's config names.
_base_ = 'mmseg::_base_/models/segformer_mit-b0.py'
model = dict(
    backbone=dict(
        embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[2, 2, 2, 2]),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
