# DeepLabV3+ ResNet-101 as AugSeg builds it (../../../../shared facts:
# AugSeg train_semi.py / augseg/models): output stride 16 (only the last
# stage dilated), deep stem 64-64-128 (stem_channels=128; MMSeg's default 64
# gives 32-32-64), multi-grid dilations 2/4/8 in the last stage, plain ASPP
# 6/12/18 with a 1x1 bottleneck, 48-channel low-level features, no dropout,
# no auxiliary head, align_corners=True, SyncBN everywhere. Input: RGB with
# ImageNet mean/std.
# Pretraining: AugSeg loads a deep-stem ImageNet ResNet-101 (the
# CPS/U2PL "resnet101_v1c" family, 64-64-128 stem); MMSeg's
# open-mmlab://resnet101_v1c has a 32-32-64 stem and does not fit. Get it
# from AugSeg's README ("Prepare pre-trained encoder", ResNet-101:
# https://drive.google.com/file/d/1Rx0legsMolCWENpfvE2jUScT3ogalMO8) and
# convert its keys (checked by a strict load before writing):
#   python tools/ssl/convert_augseg_resnet.py resnet101.pth \
#       pretrained/resnet101_deepstem_augseg_mmseg.pth
# (or pass model.backbone.init_cfg=None to train from scratch).
# Differences left: MMSeg's stem max-pool has ceil_mode=False (AugSeg True;
# identical sizes for the odd 513 crops).
norm_cfg = dict(type='SyncBN', requires_grad=True)
seg_data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(513, 513))
model = dict(
    type='EncoderDecoder',
    data_preprocessor=seg_data_preprocessor,
    backbone=dict(
        type='ResNetV1c',
        depth=101,
        stem_channels=128,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        multi_grid=(2, 4, 8),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(
            type='Pretrained',
            checkpoint='pretrained/resnet101_deepstem_augseg_mmseg.pth')),
    decode_head=dict(
        type='PlainASPPPlusHead',
        in_channels=2048,
        in_index=3,
        channels=256,
        dilations=(1, 6, 12, 18),
        c1_in_channels=256,
        c1_channels=48,
        dropout_ratio=0.0,
        num_classes=21,
        norm_cfg=norm_cfg,
        align_corners=True,
        loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=1.0)),
    auxiliary_head=None,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
