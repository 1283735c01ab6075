# Figure 5 ablation: JML-BLS with epsilon = 0.1 (k = 3; main runs 0.5),
# the weights of configs/_base_/losses/jml-bls.py.
_base_ = '../voc12aug/ce_deeplabv3_r101-d8_4xb2-40k_voc12aug-512x512.py'
bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.1)
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss',
            loss_weight=0.125,
            target_transform=bls),
        dict(
            type='JaccardMetricLoss',
            loss_weight=0.75,
            reduce_across_ranks=True,
            target_transform=bls)
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(
            type='SoftCrossEntropyLoss',
            loss_weight=0.125,
            target_transform=bls)
    ]))
