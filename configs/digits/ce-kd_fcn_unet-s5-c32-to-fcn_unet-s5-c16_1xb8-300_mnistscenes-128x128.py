# CE-KD: the UNet-c16 student distilled from the JML-BLS UNet-c32 teacher
# with the official weights (ground truth and teacher 0.5 each, heads 0.5
# each): decode CE 0.25 + KL 0.25, auxiliary CE 0.25 + KL 0.25, T = 1. The
# teacher's config and seed-0 checkpoint are found from this file's directory
# ({{ fileDirname }}), the checkpoint under the repository's work_dirs/digits
# (configs/digits/reproduction.txt trains it first).
_base_ = './ce_fcn_unet-s5-c16_1xb8-300_mnistscenes-128x128.py'
teacher = 'jml-bls_fcn_unet-s5-c32_1xb8-600_mnistscenes-128x128'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'{{fileDirname}}/{teacher}.py',
    teacher_checkpoint=(
        f'{{fileDirname}}/../../work_dirs/digits/{teacher}/seed0/'
        'iter_600.pth'),
    temperature=1.0,
    decode_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.25)]),
    distill_losses=[
        dict(
            type='KLDivergenceLoss',
            temperature=1.0,
            loss_weight=0.25,
            loss_name='loss_kd_kl')
    ],
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.25)]),
    aux_distill_losses=[
        dict(
            type='KLDivergenceLoss',
            temperature=1.0,
            loss_weight=0.25,
            loss_name='loss_kd_kl')
    ])
