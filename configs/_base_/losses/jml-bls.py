# JML-BLS: CE 0.25 + JML 0.75 on boundary-label-smoothed targets (k = 3,
# eps = 0.5); auxiliary head scaled by 0.4.
jml_bls_bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
jml_bls_decode_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=0.25,
        target_transform=jml_bls_bls),
    dict(
        type='JaccardMetricLoss',
        loss_weight=0.75,
        target_transform=jml_bls_bls)
]
jml_bls_aux_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=0.1,
        target_transform=jml_bls_bls),
    dict(
        type='JaccardMetricLoss',
        loss_weight=0.3,
        target_transform=jml_bls_bls)
]
