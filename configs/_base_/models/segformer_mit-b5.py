# SegFormer with a MiT-B5 backbone, as MMSeg's segformer_mit-b5 configs
# (which keep the all-MLP head at 256 channels, like B0's base). ImageNet
# weights: backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=...))
# with the mit_b5 checkpoint that MMSeg's config names.
_base_ = 'mmseg::_base_/models/segformer_mit-b0.py'
model = dict(
    backbone=dict(
        embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[3, 6, 40, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
