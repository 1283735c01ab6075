# CE-BLS: ce.py's weights (decode 0.5, auxiliary 0.5) on boundary-label-
# smoothed targets, k = 3, eps = 0.5 (official configs/labels/ls.yaml; the
# official train_soft_label.py smooths the target of both heads).
ce_bls_bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
ce_bls_decode_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=0.5,
        target_transform=ce_bls_bls)
]
ce_bls_aux_losses = [
    dict(
        type='SoftCrossEntropyLoss',
        loss_weight=0.5,
        target_transform=ce_bls_bls)
]
