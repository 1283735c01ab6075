# JML-BLS: jml.py's weights (decode CE 0.125 + JML 0.75, auxiliary CE 0.125)
# on boundary-label-smoothed targets, k = 3, eps = 0.5 (official
# configs/labels/ls.yaml; train_soft_label.py smooths the target of both
# heads). JML statistics summed over the ranks.
jml_bls_bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
jml_bls_decode_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=0.125,
        target_transform=jml_bls_bls),
    dict(
        type='JaccardMetricLoss',
        loss_weight=0.75,
        reduce_across_ranks=True,
        target_transform=jml_bls_bls)
]
jml_bls_aux_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=0.125,
        target_transform=jml_bls_bls)
]
