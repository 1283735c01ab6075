# deeplabv3_r18-d8
# on PASCAL VOC 2012 + SBD aug (21 classes). Paper Appendix B: SGD lr
# 0.01, momentum 0.9, weight decay 5e-4, poly decay, batch 8 (here 4 GPUs
# x 2), 40k iterations. The crop size was lost in the text extraction:
# MMSeg's VOC default, 512x512.
# CE baseline; the other methods of the paper inherit this file.
_base_ = [
    '../_base_/models/deeplabv3_r18-d8.py',
    'mmseg::_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_40k.py', '../_base_/losses/ce.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=21, loss_decode={{_base_.ce_decode_losses}}),
    auxiliary_head=dict(num_classes=21, loss_decode={{_base_.ce_aux_losses}}))
train_dataloader = dict(batch_size=2)
