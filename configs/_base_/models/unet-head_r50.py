# UNet with a timm ResNet-50-D encoder (Jaccard metric loss paper, DeepGlobe
# Land). The paper's UNets use timm's "D" ResNets (deep stem, average-pool
# downsampling) with all five feature levels (strides 2, 4, 8, 16, 32; for
# resnet50d 64/256/512/1024/2048 channels), a UNet decoder of width
# 64 x (16, 8, 4, 2, 1) whose last block brings the logits to stride 1, and
# an FCN auxiliary head on the stride-16 feature. With 6 classes this is
# 76.07M parameters, Table 9's number (tools/analysis_tools/count_params.py).
#
# No ImageNet weights by default (nothing is downloaded). The paper starts
# from timm's ImageNet weights: set backbone=dict(pretrained=True) (fetches
# timm's default resnet50d weights from the Hugging Face hub) or
# backbone=dict(checkpoint_path='path/to/resnet50d.pth') for a local copy.
#
# The encoder's norm layers are timm's BatchNorm2d; for multi-GPU training
# add ``sync_bn = 'torch'`` to the final config to convert them to SyncBN.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
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
        pretrained=False,
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
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
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
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    # The paper's code predicts large images by sliding 512x512 windows with
    # a stride of 2/3 of the window.
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(342, 342)))
