# DeepLabV3 with an ImageNet-pretrained timm MobileNetV2 (width 1.0,
# mobilenetv2_100) at output stride 8: the official
# configs/models/deeplabv3_mobilenetv2_100.yaml (out_channels 128,
# aux_out_channels 64). timm's features are 16/24/32/96/320 channels; the
# auxiliary head reads the 96-channel stage (features[-2]).
# See deeplabv3_r101-d8.py.
#
# No `sync_bn` here: timm's MobileNetV2 uses BatchNormAct2d (BN + ReLU6), and
# MMEngine's SyncBN conversion replaces it by a plain SyncBatchNorm, which
# drops the activation (timm provides timm.layers.convert_sync_batchnorm for
# that, which the official main.py uses). The backbone keeps per-GPU BN.
_base_ = './deeplabv3_r101-d8.py'
sync_bn = None
model = dict(
    backbone=dict(model_name='mobilenetv2_100'),
    decode_head=dict(in_channels=320, channels=128),
    auxiliary_head=dict(in_channels=96, channels=64))
