# SegFormer MIT-B5 on ADE20K (150 classes), CE baseline; the
# other methods inherit this file. Paper Appendix B (MMSeg's SegFormer
# recipe): AdamW lr 6e-5, weight decay 0.01, poly decay, 40k iterations,
# batch 8 (here 4 GPUs x 2), 512x512 crops. The warm-up and the head's
# 10x learning rate are MMSeg's SegFormer values (the paper defers to it).
# ImageNet weights: backbone=dict(init_cfg=dict(type='Pretrained',
# checkpoint=...)) with MMSeg's mit_b* checkpoint.
_base_ = [
    '../_base_/models/segformer_mit-b5.py', 'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/schedule_segformer-adamw-40k.py',
    '../_base_/losses/ce.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=150, loss_decode={{_base_.ce_decode_losses}}))
train_dataloader = dict(batch_size=2)
