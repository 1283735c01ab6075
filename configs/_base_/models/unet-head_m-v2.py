# UNet with a timm MobileNetV2 (width 1.0) encoder (Jaccard metric loss
# paper). timm's features_only MobileNetV2 gives 16/24/32/96/320 channels at
# strides 2...32 (the blocks' outputs; the 1x1 conv to 1280 channels of the
# classifier is not part of it). Decoder width 16 x (16, 8, 4, 2, 1), FCN
# auxiliary head of 64 channels on the stride-16 feature. 4.06M parameters
# with 6 classes, as Table 9. See unet-head_r50.py for weights.
_base_ = './unet-head_r50.py'
model = dict(
    backbone=dict(model_name='mobilenetv2_100'),
    decode_head=dict(
        in_channels=[16, 24, 32, 96, 320],
        decoder_channels=[256, 128, 64, 32, 16]),
    auxiliary_head=dict(in_channels=96, channels=64))
