# DeepLabV3 with an ImageNet-pretrained timm ResNet-50-D at output stride 8:
# the official configs/models/deeplabv3_resnet50d.yaml (ASPP 512 channels,
# auxiliary head 256, as ResNet-101). See deeplabv3_r101-d8.py.
_base_ = './deeplabv3_r101-d8.py'
model = dict(backbone=dict(model_name='resnet50d'))
