# A light UNet for CPU-sized benchmarks: MMSeg's UNet backbone (5 stages, 4
# down-samplings) with 16 base channels instead of 64, an FCN decode head on
# the last decoder stage and, as the paper's models, an FCN auxiliary head
# (on the decoder stage before it). Set num_classes and the normalisation
# in the config that uses it; widen it with base_channels (the heads'
# in_channels follow: base and 2 x base).
_base_ = 'mmseg::_base_/models/fcn_unet_s5-d16.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=16, channels=16, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=32, channels=16, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
