# UNet (r50) on DeepGlobe Land (6 classes), fold 0 of 5, CE
# baseline; the other methods inherit this file. Paper Appendix B: SGD lr
# 0.01, momentum 0.9, weight decay 5e-4, poly decay, batch 8 (here 4 GPUs
# x 2), 10k iterations, 512x512 crops. Other folds: --cfg-options
# train_dataloader.dataset.ann_file=splits/fold1_train.txt
# val_dataloader.dataset.ann_file=splits/fold1_val.txt
# test_dataloader.dataset.ann_file=splits/fold1_val.txt
_base_ = [
    '../_base_/models/unet-head_r50.py',
    '../_base_/datasets/deepglobe_land.py', 'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py', '../_base_/losses/ce.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(loss_decode={{_base_.ce_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.ce_aux_losses}}))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=10000,
        by_epoch=False)
]
train_cfg = dict(max_iters=10000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
train_dataloader = dict(batch_size=2)
