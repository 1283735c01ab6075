# PSPNet with a ResNet-18 (V1c) backbone at output stride 8, as MMSeg's own
# pspnet_r18-d8 configs: PPM width 128, FCN auxiliary head width 64.
_base_ = 'mmseg::_base_/models/pspnet_r50-d8.py'
model = dict(
    pretrained='open-mmlab://resnet18_v1c',
    backbone=dict(depth=18),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64))
