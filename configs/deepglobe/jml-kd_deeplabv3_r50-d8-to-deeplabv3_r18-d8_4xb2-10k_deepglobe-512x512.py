# Table 14 (DeepGlobe Land, 5 folds): the DL3-R18 student of the DL3-R50
# JML-BLS teacher (the paper gives the KD rows for DL3-R18 without naming the
# teacher; the official README's KD example distils deeplabv3_resnet50d into
# deeplabv3_resnet18d), JML-KD with the official weights
# (configs/_base_/losses/jml-kd.py): decode CE 0.0625 + JML 0.375 + KL 0.0625
# + teacher JML 0.375, auxiliary CE 0.0625 + KL 0.0625 against the teacher's
# auxiliary head.
# Fold: this config reads fold 0 (splits/fold0_train.txt, fold0_val.txt of
# configs/_base_/datasets/deepglobe_land.py: the official contiguous folds).
# Fold k (0...4) sets the ann_file of the three dataloaders:
#   --cfg-options train_dataloader.dataset.ann_file=splits/foldk_train.txt \
#       val_dataloader.dataset.ann_file=splits/foldk_val.txt \
#       test_dataloader.dataset.ann_file=splits/foldk_val.txt
# which is what tools/sweep.py --folds passes (its --fold-options default).
# With another fold, give the teacher's checkpoint of that fold too
# (model.teacher_checkpoint=...; the sweep does).
# Teacher: jml-bls_deeplabv3_r50-d8_4xb2-10k_deepglobe-512x512.py, trained
# first (the sweep trains it before this student and passes the checkpoint of
# its run with the same seed or fold); its config and checkpoint are found
# from this file's directory ({{ fileDirname }}), the checkpoint under the
# repository's work_dirs, so tools/train.py runs from any directory. The
# student checkpoint is a plain deeplabv3_r18-d8 model: test it with its
# CE/JML config.
_base_ = [
    './ce_deeplabv3_r18-d8_4xb2-10k_deepglobe-512x512.py',
    '../_base_/losses/jml-kd.py'
]
teacher = 'jml-bls_deeplabv3_r50-d8_4xb2-10k_deepglobe-512x512'
model = dict(
    type='DistillEncoderDecoder',
    teacher_config=f'{{fileDirname}}/{teacher}.py',
    teacher_checkpoint=(
        f'{{fileDirname}}/../../work_dirs/{teacher}/iter_10000.pth'),
    temperature={{_base_.jml_kd_temperature}},
    distill_losses={{_base_.jml_kd_distill_losses}},
    decode_head=dict(loss_decode={{_base_.jml_kd_decode_losses}}),
    auxiliary_head=dict(loss_decode={{_base_.jml_kd_aux_losses}}),
    aux_distill_losses={{_base_.jml_kd_aux_distill_losses}})
