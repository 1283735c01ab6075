# JML: CE 0.25 + JML 0.75 (the paper's weights) on the decode head; the same
# mix, scaled by MMSeg's 0.4, on the auxiliary head.
jml_decode_losses = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
    dict(type='JaccardMetricLoss', loss_weight=0.75)
]
jml_aux_losses = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.1),
    dict(type='JaccardMetricLoss', loss_weight=0.3)
]
