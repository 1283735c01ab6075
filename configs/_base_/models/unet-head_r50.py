# UNet with an ImageNet-pretrained timm ResNet-50-D encoder, as the official
# code builds it (zifuwanggg/JDTLosses): configs/models/unet_resnet50d.yaml
# (output stride 32, out_channels 64, aux_out_channels 256, dropout 0.1, aux
# True), models/methods/unet.py (all five feature levels, strides 2...32, for
# resnet50d 64/256/512/1024/2048 channels; decoder blocks of width
# 64 x (16, 8, 4, 2, 1), each a 2x bilinear upsampling, concatenation with
# the skip and two 3x3 conv-BN-ReLU, the last one bringing the logits to
# stride 1: this package's UNetHead) and models/segmentor.py (1x1 classifier
# after Dropout2d; auxiliary 3x3 conv of 256 channels on the stride-16
# feature, features[-2]: MMSeg's FCNHead).
#
# Pretrained by default (timm downloads the weights at build time); build
# offline with --cfg-options model.backbone.pretrained=False.
# The official code converts every BatchNorm to SyncBN for multi-GPU runs:
# the heads use SyncBN, and `sync_bn` converts the timm encoder's BNs.
norm_cfg = dict(type='SyncBN', requires_grad=True)
sync_bn = 'torch'
# Normalisation of the official datasets (base_dataset.py), RGB order.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.68, 116.28, 103.53],
    std=[58.40, 57.12, 57.38],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='TIMMBackbone',
        model_name='resnet50d',
        features_only=True,
        pretrained=True,
        out_indices=(0, 1, 2, 3, 4)),
    decode_head=dict(
        type='UNetHead',
        in_channels=[64, 256, 512, 1024, 2048],
        in_index=[0, 1, 2, 3, 4],
        decoder_channels=[1024, 512, 256, 128, 64],
        dropout_ratio=0.1,
        num_classes=6,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=0.5)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=1024,
        in_index=3,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=6,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=0.5)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
