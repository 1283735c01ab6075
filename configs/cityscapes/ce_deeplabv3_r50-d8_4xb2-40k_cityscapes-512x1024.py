# deeplabv3_r50-d8
# on Cityscapes (19 classes). Paper Appendix B: SGD lr 0.01, momentum 0.9,
# weight decay 5e-4, poly decay, batch 8 (here 4 GPUs x 2), 40k iterations.
# The crop size was lost in the text extraction: MMSeg's Cityscapes
# default, 512x1024.
# CE baseline; the other methods of the paper inherit this file.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    'mmseg::_base_/datasets/cityscapes.py', 'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_40k.py', '../_base_/losses/ce.py'
]
custom_imports = dict(imports=['mmseg_jml'], allow_failed_imports=False)
crop_size = (512, 1024)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=19, loss_decode={{_base_.ce_decode_losses}}),
    auxiliary_head=dict(num_classes=19, loss_decode={{_base_.ce_aux_losses}}))
train_dataloader = dict(batch_size=2)
