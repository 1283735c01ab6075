# DeepLabV3 with a ResNet-101 (V1c) backbone at output stride 8, as MMSeg's
# deeplabv3_r101-d8 configs.
_base_ = 'mmseg::_base_/models/deeplabv3_r50-d8.py'
model = dict(
    pretrained='open-mmlab://resnet101_v1c', backbone=dict(depth=101))
