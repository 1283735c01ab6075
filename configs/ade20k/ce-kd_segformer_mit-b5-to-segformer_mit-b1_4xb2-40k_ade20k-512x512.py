# CE-KD on ADE20K (SegFormer, no auxiliary head).
# Teacher: jml-bls_segformer_mit-b5_4xb2-40k_ade20k-512x512.py,
# trained first (its default work dir holds the checkpoint named below).
# The student checkpoint is a plain segformer_mit-b1 model:
# test it with its CE/JML config.
_base_ = [
    './ce_segformer_mit-b1_4xb2-40k_ade20k-512x512.py',
    '../_base_/losses/ce-kd.py'
]
teacher = 'jml-bls_segformer_mit-b5_4xb2-40k_ade20k-512x512'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'configs/ade20k/{teacher}.py',
    teacher_checkpoint=f'work_dirs/{teacher}/iter_40000.pth',
    temperature={{_base_.ce_kd_temperature}},
    distill_losses={{_base_.ce_kd_distill_losses}},
    decode_head=dict(loss_decode={{_base_.ce_kd_decode_losses}}))
