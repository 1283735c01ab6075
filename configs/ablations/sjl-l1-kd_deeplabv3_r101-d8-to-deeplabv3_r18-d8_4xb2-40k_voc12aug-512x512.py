# Table 10, KD column (PASCAL VOC, DL3-R18, batch 8): JML-KD with the classic
# soft Jaccard loss with L1 cardinalities (SJL-L1) as both Jaccard terms, on
# the ground truth and on the teacher's probabilities (active classes LABEL
# at 0.01); every weight as JML-KD (configs/_base_/losses/jml-kd.py). On hard
# labels SJL-L1 equals JML1 (Theorem 2.3), so the ground-truth term is
# JML-KD's; the teacher term is where they differ.
# Teacher: jml-bls_deeplabv3_r101-d8_4xb2-40k_voc12aug-512x512.py, trained
# first (the sweep trains it before this student and passes the checkpoint of
# its run with the same seed); its config and checkpoint are found from this
# file's directory ({{ fileDirname }}), the checkpoint under the repository's
# work_dirs, so tools/train.py runs from any directory. The student
# checkpoint is a plain deeplabv3_r18-d8 model: test it with its CE/JML
# config.
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
        dict(loss, variant='sjl_l1')
        if loss['type'] == 'JaccardMetricLoss' else loss
        for loss in _base_.jml_kd_distill_losses
    ],
    decode_head=dict(loss_decode=[
        dict(loss, variant='sjl_l1')
        if loss['type'] == 'JaccardMetricLoss' else loss
        for loss in _base_.jml_kd_decode_losses
    ]),
    auxiliary_head=dict(loss_decode={{_base_.jml_kd_aux_losses}}),
    aux_distill_losses={{_base_.jml_kd_aux_distill_losses}})
