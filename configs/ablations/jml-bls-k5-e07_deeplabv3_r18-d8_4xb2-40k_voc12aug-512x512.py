# Figure 4 (PASCAL VOC, DL3-R18): JML-BLS with kernel k = 5 and epsilon 0.7;
# the weights of configs/_base_/losses/jml-bls.py (decode CE 0.125 + JML
# 0.75, auxiliary CE 0.125), the targets of both heads smoothed. The grid: k
# in {3, 5, 7, 9} x epsilon in {0.1, 0.3, 0.5, 0.7, 0.9}
# (configs/tables/fig4_voc.txt).
_base_ = [
    '../voc12aug/ce_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512.py',
    '../_base_/losses/jml-bls.py'
]
bls = dict(type='BoundaryLabelSmoothing', kernel_size=5, epsilon=0.7)
model = dict(
    decode_head=dict(loss_decode=[
        dict(loss, target_transform=bls)
        for loss in _base_.jml_bls_decode_losses
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(loss, target_transform=bls) for loss in _base_.jml_bls_aux_losses
    ]))
