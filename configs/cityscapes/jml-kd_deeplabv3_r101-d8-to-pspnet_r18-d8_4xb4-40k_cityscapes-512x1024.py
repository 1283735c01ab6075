# Table 4: JML-KD on cityscapes with batch 16 (4 GPUs x 4), as the paper's
# Cityscapes JML-KD runs.
# Teacher: jml-bls_deeplabv3_r101-d8_4xb2-40k_cityscapes-512x1024.py,
# trained first (its default work dir holds the checkpoint named below).
# The student checkpoint is a plain pspnet_r18-d8 model:
# test it with its CE/JML config.
_base_ = [
    './ce_pspnet_r18-d8_4xb2-40k_cityscapes-512x1024.py',
    '../_base_/losses/jml-kd.py'
]
teacher = 'jml-bls_deeplabv3_r101-d8_4xb2-40k_cityscapes-512x1024'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'configs/cityscapes/{teacher}.py',
    teacher_checkpoint=f'work_dirs/{teacher}/iter_40000.pth',
    temperature={{_base_.jml_kd_temperature}},
    distill_losses={{_base_.jml_kd_distill_losses}},
    decode_head=dict(loss_decode={{_base_.jml_kd_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_kd_aux_losses}}),
    aux_distill_losses={{_base_.jml_kd_aux_distill_losses}})
train_dataloader = dict(batch_size=4)
