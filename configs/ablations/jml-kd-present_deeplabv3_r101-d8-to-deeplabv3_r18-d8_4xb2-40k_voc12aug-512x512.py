# Table 7 ablation: JML-KD with active_classes='present' for the teacher JML
# term (the paper's choice is 'label'); otherwise configs/_base_/losses/jml-
# kd.py.
# Teacher: jml-bls_deeplabv3_r101-d8_4xb2-40k_voc12aug-512x512.py, trained
# first; its config
# and checkpoint are found from this file's directory ({{ fileDirname }}),
# the checkpoint under the repository's work_dirs, so tools/train.py runs
# from any directory. The student checkpoint is a plain deeplabv3_r18-d8
# model: test it with its CE/JML config.
_base_ = [
    '../voc12aug/ce_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512.py',
    '../_base_/losses/jml-kd.py'
]
teacher = 'jml-bls_deeplabv3_r101-d8_4xb2-40k_voc12aug-512x512'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'{{fileDirname}}/../voc12aug/{teacher}.py',
    teacher_checkpoint=(
        f'{{fileDirname}}/../../work_dirs/{teacher}/iter_40000.pth'),
    temperature={{_base_.jml_kd_temperature}},
    distill_losses=[
        dict(
            type='KLDivergenceLoss',
            temperature=1.0,
            loss_weight=0.0625,
            loss_name='loss_kd_kl'),
        dict(
            type='JaccardMetricLoss',
            active_classes='present',
            threshold=0.01,
            loss_weight=0.375,
            reduce_across_ranks=True,
            loss_name='loss_kd_jml')
    ],
    decode_head=dict(loss_decode={{_base_.jml_kd_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_kd_aux_losses}}),
    aux_distill_losses={{_base_.jml_kd_aux_distill_losses}})
