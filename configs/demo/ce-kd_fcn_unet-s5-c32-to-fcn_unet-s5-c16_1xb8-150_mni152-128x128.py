# CE-KD: the UNet-c16 student distilled from the JML-BLS UNet-c32 teacher
# (configs/_base_/losses/demo.py, T = 1). A distillation config names
# <teacher>-to-<student>. Teacher config and checkpoint are found from this
# file's directory, as in the JML-KD demo config. The student checkpoints are
# plain UNet-c16 models: test them with
# ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py (no teacher needed).
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
teacher = 'jml-bls_fcn_unet-s5-c32_1xb8-150_mni152-128x128'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'{{fileDirname}}/{teacher}.py',
    teacher_checkpoint=(
        f'{{fileDirname}}/../../work_dirs/demo/{teacher}/seed0/iter_150.pth'),
    temperature={{_base_.demo_kd_temperature}},
    distill_losses={{_base_.demo_ce_kd_distill_losses}},
    decode_head=dict(loss_decode={{_base_.demo_ce_kd_losses}}))
