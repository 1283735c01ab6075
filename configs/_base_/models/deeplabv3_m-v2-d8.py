# DeepLabV3 with MMSeg's MobileNetV2 (width 1.0) backbone at output stride 8,
# the backbone settings of MMSeg's mobilenet-v2-d8_deeplabv3 configs. The
# head widths differ from those configs (which keep ResNet-101's 512/256):
# ASPP width 128 and auxiliary width 64, as for ResNet-18 and as the
# paper's Table 9 count (3.79M) implies; MMSeg's widths give about 18.7M.
_base_ = 'mmseg::_base_/models/deeplabv3_r50-d8.py'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    pretrained='mmcls://mobilenet_v2',
    backbone=dict(
        _delete_=True,
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4),
        out_indices=(1, 2, 4, 6),
        norm_cfg=norm_cfg),
    decode_head=dict(in_channels=320, channels=128),
    auxiliary_head=dict(in_channels=96, channels=64))
