# segformer_mit-b3 on ADE20K (150 classes): the CE baseline, which the other
# methods inherit. The official recipe (docs/recipes.md): AdamW lr 6e-5 (heads
# 10x), weight decay 0.01 (none on 1-D parameters), 1% linear warm-up, poly 1.0
# to 0, 40k iterations, batch 8 (4 GPUs x 2), an ImageNet-pretrained backbone
# (offline: --cfg-options model.backbone.init_cfg=None), the official training
# pipeline, and sliding-window inference at the original resolution.
_base_ = [
    '../_base_/models/segformer_mit-b3.py',
    '../_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/adamw-poly_40k.py',
    '../_base_/losses/ce.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
model = dict(
    data_preprocessor=dict(
        size={{_base_.crop_size}},
        test_cfg=dict(size={{_base_.crop_size}})),
    decode_head=dict(
        num_classes=150, loss_decode={{_base_.ce_decode_losses}}),
    auxiliary_head=dict(
        num_classes=150, loss_decode={{_base_.ce_aux_losses}}),
    test_cfg={{_base_.slide_test_cfg}})
