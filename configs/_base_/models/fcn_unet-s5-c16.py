# A light UNet (MMSeg's UNet backbone with 16 base channels instead of 64)
# with an FCN head, for CPU-sized demos. Grey-level inputs (replicated to 3
# channels by the image loader).
_base_ = 'mmseg::_base_/models/fcn_unet_s5-d16.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    mean=[55.7, 55.7, 55.7],
    std=[84.6, 84.6, 84.6],
    size_divisor=16,
    test_cfg=dict(size_divisor=16))
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=16, channels=16, num_classes=3, norm_cfg=norm_cfg),
    auxiliary_head=None,
    test_cfg=dict(mode='whole'))
