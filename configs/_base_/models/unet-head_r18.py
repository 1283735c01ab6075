# UNet with an ImageNet-pretrained timm ResNet-18-D encoder: the official
# configs/models/unet_resnet18d.yaml (out_channels 16, aux_out_channels 64);
# features 64/64/128/256/512 at strides 2...32, decoder width
# 16 x (16, 8, 4, 2, 1). See unet-head_r50.py.
_base_ = './unet-head_r50.py'
model = dict(
    backbone=dict(model_name='resnet18d'),
    decode_head=dict(
        in_channels=[64, 64, 128, 256, 512],
        decoder_channels=[256, 128, 64, 32, 16]),
    auxiliary_head=dict(in_channels=256, channels=64))
