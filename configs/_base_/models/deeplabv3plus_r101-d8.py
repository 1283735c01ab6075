# DeepLabV3+ with an ImageNet-pretrained timm ResNet-101-D at output stride
# 8: the official configs/models/deeplabv3plus_resnet101d.yaml (out_channels
# 512, shortcut 48, aux_out_channels 256, rates 12/24/36) through MMSeg's
# DepthwiseSeparableASPPHead (whose 1x1 ASPP branch is a plain 1x1 conv where
# the official one is depthwise-separable; the parameter count of Table 9 is
# matched). Table 9's first row; no paper config trains it.
#
# Pretrained by default; build offline with
# --cfg-options model.backbone.pretrained=False.
_base_ = 'mmseg::_base_/models/deeplabv3plus_r50-d8.py'
sync_bn = 'torch'
data_preprocessor = dict(
    mean=[123.68, 116.28, 103.53], std=[58.40, 57.12, 57.38])
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='TIMMBackbone',
        model_name='resnet101d',
        features_only=True,
        pretrained=True,
        output_stride=8,
        out_indices=(1, 2, 3, 4)))
