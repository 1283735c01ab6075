# DeepLabV3 with an ImageNet-pretrained timm ResNet-101-D at output stride 8,
# as the official code builds it (zifuwanggg/JDTLosses):
# configs/models/deeplabv3_resnet101d.yaml (backbone resnet101d, output
# stride 8, out_channels 512, aux_out_channels 256, dropout 0.1, atrous rates
# 12/24/36), models/backbones/backbone.py (timm features_only, pretrained),
# models/methods/deeplabv3.py (ASPP: image pooling + 1x1 + three 3x3 dilated
# branches, 3x3 bottleneck) and models/segmentor.py (1x1 classifier after
# Dropout2d; auxiliary 3x3 conv of aux_out_channels on the stride-16 stage,
# features[-2]). MMSeg's ASPPHead and FCNHead are these modules.
#
# Pretrained by default (timm downloads the weights at build time); build
# offline with --cfg-options model.backbone.pretrained=False.
# The official code converts every BatchNorm to SyncBN for multi-GPU runs:
# the heads use SyncBN, and `sync_bn` converts the timm backbone's BNs.
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
        model_name='resnet101d',
        features_only=True,
        pretrained=True,
        output_stride=8,
        out_indices=(1, 2, 3, 4)),
    decode_head=dict(
        type='ASPPHead',
        in_channels=2048,
        in_index=3,
        channels=512,
        dilations=(1, 12, 24, 36),
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=0.5)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=1024,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=0.5)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
