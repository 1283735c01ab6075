# UNet with an ImageNet-pretrained timm MobileNetV2 (width 1.0) encoder: the
# official configs/models/unet_mobilenetv2_100.yaml (out_channels 16,
# aux_out_channels 64). timm's features_only MobileNetV2 gives 16/24/32/96/320
# channels at strides 2...32 (the 1x1 conv to 1280 channels of the
# classifier is not part of it). See unet-head_r50.py.
#
# No `sync_bn` here: timm's MobileNetV2 uses BatchNormAct2d (BN + ReLU6), and
# MMEngine's SyncBN conversion replaces it by a plain SyncBatchNorm, which
# drops the activation. The encoder keeps per-GPU BN.
_base_ = './unet-head_r50.py'
sync_bn = None
model = dict(
    backbone=dict(model_name='mobilenetv2_100'),
    decode_head=dict(
        in_channels=[16, 24, 32, 96, 320],
        decoder_channels=[256, 128, 64, 32, 16]),
    auxiliary_head=dict(in_channels=96, channels=64))
