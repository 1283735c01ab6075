# Table 4: JML-KD with the official weights (configs/_base_/losses/jml-kd.py):
# decode CE 0.0625 + JML 0.375 + KL 0.0625 + teacher JML 0.375, auxiliary
# CE 0.0625 + KL 0.0625 against the teacher's auxiliary head.
# Teacher: jml-bls_deeplabv3_r101-d8_4xb2-40k_voc12aug-512x512.py, trained
# first; its config
# and checkpoint are found from this file's directory ({{ fileDirname }}),
# the checkpoint under the repository's work_dirs, so tools/train.py runs
# from any directory. The student checkpoint is a plain pspnet_r18-d8
# model: test it with its CE/JML config.
_base_ = [
    './ce_pspnet_r18-d8_4xb2-40k_voc12aug-512x512.py',
    '../_base_/losses/jml-kd.py'
]
teacher = 'jml-bls_deeplabv3_r101-d8_4xb2-40k_voc12aug-512x512'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'{{fileDirname}}/{teacher}.py',
    teacher_checkpoint=(
        f'{{fileDirname}}/../../work_dirs/{teacher}/iter_40000.pth'),
    temperature={{_base_.jml_kd_temperature}},
    distill_losses={{_base_.jml_kd_distill_losses}},
    decode_head=dict(loss_decode={{_base_.jml_kd_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_kd_aux_losses}}),
    aux_distill_losses={{_base_.jml_kd_aux_distill_losses}})
