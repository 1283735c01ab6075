# deeplabv3_r50-d8 on DeepGlobe Land (6 classes): the CE baseline, which the
# other methods inherit (Table 14, BLS rows). The official recipe
# (docs/recipes.md): SGD lr 0.01 (heads 10x), momentum 0.9, weight decay 5e-4
# (none on 1-D parameters), 1% linear warm-up, poly 0.9 to 0, 10k iterations
# (the paper's DeepGlobe schedule, Appendix B), batch 8 (4 GPUs x 2), an
# ImageNet-pretrained backbone (offline: --cfg-options
# model.backbone.pretrained=False), the official training pipeline (scale
# 0.5-2.0, crop 512x512: configs/datas/deepglobe_land_fold0.yaml) and
# sliding-window inference at the original resolution. The model is the one
# of Cityscapes and VOC (the official configs/models/deeplabv3_resnet50d.yaml
# has no data-set-specific value).
# Fold: this config reads fold 0 (splits/fold0_train.txt, fold0_val.txt of
# configs/_base_/datasets/deepglobe_land.py: the official contiguous folds).
# Fold k (0...4) sets the ann_file of the three dataloaders:
#   --cfg-options train_dataloader.dataset.ann_file=splits/foldk_train.txt \
#       val_dataloader.dataset.ann_file=splits/foldk_val.txt \
#       test_dataloader.dataset.ann_file=splits/foldk_val.txt
# which is what tools/sweep.py --folds passes (its --fold-options default).
_base_ = [
    '../_base_/models/deeplabv3_r50-d8.py',
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
