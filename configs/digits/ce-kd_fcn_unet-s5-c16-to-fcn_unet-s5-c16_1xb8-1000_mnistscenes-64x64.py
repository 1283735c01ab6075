# CE-KD: the UNet-c16 student distilled from the CE UNet-c16 teacher
# trained 3x longer (3000 iterations), with the official weights (ground truth
# and teacher 0.5 each, heads 0.5 each): decode CE 0.25 + KL 0.25, auxiliary CE
# 0.25 + KL 0.25, T = 1. The teacher's config and seed-0 checkpoint are found
# from this file's directory ({{ fileDirname }}), the checkpoint under the
# repository's work_dirs/digits (configs/digits/reproduction.txt trains it
# first).
_base_ = [
    './ce_fcn_unet-s5-c16_1xb8-1000_mnistscenes-64x64.py',
    '../_base_/losses/ce-kd.py'
]
teacher = 'ce_fcn_unet-s5-c16_1xb8-3000_mnistscenes-64x64'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'{{fileDirname}}/{teacher}.py',
    teacher_checkpoint=(
        f'{{fileDirname}}/../../work_dirs/digits/{teacher}/seed0/'
        'iter_3000.pth'),
    temperature={{_base_.ce_kd_temperature}},
    distill_losses={{_base_.ce_kd_distill_losses}},
    decode_head=dict(loss_decode={{_base_.ce_kd_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.ce_kd_aux_losses}}),
    aux_distill_losses={{_base_.ce_kd_aux_distill_losses}})
