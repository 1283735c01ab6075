# deeplabv3_m-v2-d8 on PASCAL VOC 2012 + SBD aug (21 classes): the CE baseline,
# which the other methods inherit. The official recipe (docs/recipes.md): SGD
# lr 0.01 (heads 10x), momentum 0.9, weight decay 5e-4 (none on 1-D
# parameters), 1% linear warm-up, poly 0.9 to 0, 40k iterations, batch 8 (4
# GPUs x 2), an ImageNet-pretrained backbone (offline: --cfg-options
# model.backbone.pretrained=False), the official training pipeline, and
# sliding-window inference at the original resolution.
_base_ = [
    '../_base_/models/deeplabv3_m-v2-d8.py',
    '../_base_/datasets/voc12aug.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/sgd-poly_40k.py',
    '../_base_/losses/ce.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(
        size={{_base_.crop_size}},
        test_cfg=dict(size={{_base_.crop_size}})),
    decode_head=dict(
        num_classes=21, loss_decode={{_base_.ce_decode_losses}}),
    auxiliary_head=dict(
        num_classes=21, loss_decode={{_base_.ce_aux_losses}}),
    test_cfg={{_base_.slide_test_cfg}})
