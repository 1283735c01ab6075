# DeepLabV3 with an ImageNet-pretrained timm ResNet-18-D at output stride 8:
# the official configs/models/deeplabv3_resnet18d.yaml (out_channels 128,
# aux_out_channels 64). See deeplabv3_r101-d8.py.
_base_ = './deeplabv3_r101-d8.py'
model = dict(
    backbone=dict(model_name='resnet18d'),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64))
