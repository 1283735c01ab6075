# Table 1: JML-KD at the paper's default batch 8 (4 GPUs x 2), beside CE-KD
# (Appendix B raises the batch to 16 only for Table 4's Cityscapes JML-KD
# runs: the 4xb4 config next to this one). The official weights
# (configs/_base_/losses/jml-kd.py): decode CE 0.0625 + JML 0.375 + KL 0.0625
# + teacher JML 0.375, auxiliary CE 0.0625 + KL 0.0625 against the teacher's
# auxiliary head.
# Teacher: jml-bls_deeplabv3_r101-d8_4xb2-40k_cityscapes-512x1024.py, trained
# first (the sweep trains it before this student and passes the checkpoint of
# its run with the same seed); its config and checkpoint are found from this
# file's directory ({{ fileDirname }}), the checkpoint under the repository's
# work_dirs, so tools/train.py runs from any directory. The student
# checkpoint is a plain deeplabv3_r18-d8 model: test it with its CE/JML
# config.
_base_ = [
    './ce_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024.py',
    '../_base_/losses/jml-kd.py'
]
teacher = 'jml-bls_deeplabv3_r101-d8_4xb2-40k_cityscapes-512x1024'
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
