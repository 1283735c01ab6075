# unet-head_r50 on DeepGlobe Land (6 classes), fold 0 of 5: the CE baseline,
# which the other methods inherit. The official recipe (docs/recipes.md): SGD
# lr 0.01 (heads 10x), momentum 0.9, weight decay 5e-4 (none on 1-D
# parameters), 1% linear warm-up, poly 0.9 to 0, 10k iterations, batch 8 (4
# GPUs x 2), an ImageNet-pretrained backbone (offline: --cfg-options
# model.backbone.pretrained=False), the official training pipeline, and
# sliding-window inference at the original resolution.
# Other folds: --cfg-options
# train_dataloader.dataset.ann_file=splits/fold1_train.txt
# val_dataloader.dataset.ann_file=splits/fold1_val.txt
# test_dataloader.dataset.ann_file=splits/fold1_val.txt
_base_ = [
    '../_base_/models/unet-head_r50.py',
    '../_base_/datasets/deepglobe_land.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/sgd-poly_10k.py',
    '../_base_/losses/ce.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(
        size={{_base_.crop_size}},
        test_cfg=dict(size={{_base_.crop_size}})),
    decode_head=dict(
        num_classes=6, loss_decode={{_base_.ce_decode_losses}}),
    auxiliary_head=dict(
        num_classes=6, loss_decode={{_base_.ce_aux_losses}}),
    test_cfg={{_base_.slide_test_cfg}})
