# SegFormer with an ImageNet-pretrained MiT-B0, as the official code builds
# it (zifuwanggg/JDTLosses): configs/models/segformer_mit_b0.yaml
# (out_channels 512, aux_out_channels 256, dropout 0.1, aux True),
# models/methods/segformer.py (1x1 conv + BN + ReLU per stage to 512
# channels, upsampled to stage 1 and fused by a 1x1 conv: MMSeg's
# SegformerHead with channels=512), models/segmentor.py (auxiliary 3x3 conv
# of 256 channels on stage 3, features[-2], and a 1x1 classifier: MMSeg's
# FCNHead) and models/backbones/backbone.py (MiT with ImageNet weights). The
# MiT weights are MMSeg's conversion of the SegFormer authors' ImageNet-1k
# checkpoints, loaded by init_weights (the Runner does it); build offline
# with --cfg-options model.backbone.init_cfg=None.
norm_cfg = dict(type='SyncBN', requires_grad=True)
# Normalisation of the official datasets (base_dataset.py), RGB order.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.68, 116.28, 103.53],
    std=[58.40, 57.12, 57.38],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth'  # noqa
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
    backbone=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=32,
        num_stages=4,
        num_layers=[2, 2, 2, 2],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
    decode_head=dict(
        type='SegformerHead',
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        channels=512,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=0.5)),
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=160,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='SoftCrossEntropyLoss', loss_weight=0.5)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
