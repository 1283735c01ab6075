# JML-KD: the UNet-c16 student distilled from the JML-BLS UNet-c32 teacher
# with the official weights: decode CE 0.0625 + JML 0.375 on the ground
# truth, KL 0.0625 + JML 0.375 on the teacher's probabilities (T = 1; the
# classes the teacher gives at least 0.01 somewhere), auxiliary CE 0.0625 +
# KL 0.0625. The teacher's config and seed-0 checkpoint are found from this
# file's directory ({{ fileDirname }}), the checkpoint under the repository's
# work_dirs/digits (configs/digits/reproduction.txt trains it first).
_base_ = './ce_fcn_unet-s5-c16_1xb8-300_mnistscenes-128x128.py'
teacher = 'jml-bls_fcn_unet-s5-c32_1xb8-600_mnistscenes-128x128'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'{{fileDirname}}/{teacher}.py',
    teacher_checkpoint=(
        f'{{fileDirname}}/../../work_dirs/digits/{teacher}/seed0/'
        'iter_600.pth'),
    temperature=1.0,
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.0625),
        dict(type='JaccardMetricLoss', loss_weight=0.375)
    ]),
    distill_losses=[
        dict(
            type='KLDivergenceLoss',
            temperature=1.0,
            loss_weight=0.0625,
            loss_name='loss_kd_kl'),
        dict(
            type='JaccardMetricLoss',
            active_classes='label',
            threshold=0.01,
            loss_weight=0.375,
            loss_name='loss_kd_jml')
    ],
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.0625)]),
    aux_distill_losses=[
        dict(
            type='KLDivergenceLoss',
            temperature=1.0,
            loss_weight=0.0625,
            loss_name='loss_kd_kl')
    ])
