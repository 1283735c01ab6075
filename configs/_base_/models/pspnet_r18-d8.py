# PSPNet with an ImageNet-pretrained timm ResNet-18-D at output stride 8, as
# the official code builds it (zifuwanggg/JDTLosses):
# configs/models/pspnet_resnet18d.yaml (out_channels 128, aux_out_channels
# 64, dropout 0.1, bins 1/2/3/6) and models/methods/pspnet.py (pyramid
# pooling with 1x1 convs, 3x3 bottleneck over the input and the pooled
# maps), the same backbone, classifier and auxiliary head as DeepLabV3
# (deeplabv3_r101-d8.py). MMSeg's PSPHead is this module.
#
# Pretrained by default; build offline with
# --cfg-options model.backbone.pretrained=False.
_base_ = 'mmseg::_base_/models/pspnet_r50-d8.py'
sync_bn = 'torch'
data_preprocessor = dict(
    mean=[123.68, 116.28, 103.53], std=[58.40, 57.12, 57.38])
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='TIMMBackbone',
        model_name='resnet18d',
        features_only=True,
        pretrained=True,
        output_stride=8,
        out_indices=(1, 2, 3, 4)),
    decode_head=dict(
        in_channels=512,
        channels=128,
        loss_decode=dict(
            _delete_=True, type='SoftCrossEntropyLoss', loss_weight=0.5)),
    auxiliary_head=dict(
        in_channels=256,
        channels=64,
        loss_decode=dict(
            _delete_=True, type='SoftCrossEntropyLoss', loss_weight=0.5)))
