# CE-BLS: cross-entropy on boundary-label-smoothed targets (k = 3, eps = 0.5,
# the official code's defaults), computed inside the loss from the hard map.
ce_bls_bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
ce_bls_decode_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=1.0,
        target_transform=ce_bls_bls)
]
ce_bls_aux_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=0.4,
        target_transform=ce_bls_bls)
]
