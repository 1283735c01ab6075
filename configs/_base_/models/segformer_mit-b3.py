# SegFormer with a MiT-B3 backbone, as MMSeg's segformer_mit-b3 configs
# (which keep the all-MLP head at 256 channels, like B0's base). ImageNet
# weights: backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=...))
# with the mit_b3 checkpoint that MMSeg's config names.
_base_ = 'mmseg::_base_/models/segformer_mit-b0.py'
model = dict(
    backbone=dict(
        embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[3, 4, 18, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
