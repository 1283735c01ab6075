# UNet with a timm ResNet-18-D encoder (Jaccard metric loss paper): features
# 64/64/128/256/512 at strides 2...32, decoder width 16 x (16, 8, 4, 2, 1),
# FCN auxiliary head of 64 channels on the stride-16 feature. 14.49M
# parameters with 6 classes, as Table 9. See unet-head_r50.py for weights.
_base_ = './unet-head_r50.py'
model = dict(
    backbone=dict(model_name='resnet18d'),
    decode_head=dict(
        in_channels=[64, 64, 128, 256, 512],
        decoder_channels=[256, 128, 64, 32, 16]),
    auxiliary_head=dict(in_channels=256, channels=64))
