# JML-KD: the UNet-c16 student distilled from the JML-BLS UNet-c32 teacher
# (configs/_base_/losses/jml-kd.py: the official weights, T = 1). A distillation
# config names <teacher>-to-<student>. The student checkpoints are plain
# UNet-c16 models: test them with ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py
# (no teacher needed).
_base_ = [
    './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py',
    '../_base_/losses/jml-kd.py'
]
teacher = 'jml-bls_fcn_unet-s5-c32_1xb8-150_mni152-128x128'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'configs/demo/{teacher}.py',
    teacher_checkpoint=f'work_dirs/demo/{teacher}/seed0/iter_150.pth',
    temperature={{_base_.jml_kd_temperature}},
    distill_losses={{_base_.jml_kd_distill_losses}},
    decode_head=dict(loss_decode={{_base_.jml_kd_decode_losses}}))
