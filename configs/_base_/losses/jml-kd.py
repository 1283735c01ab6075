# JML-KD with the official weights: two groups of 0.5, CE 0.25 + JML 0.75
# inside each. Ground truth: CE + JML. Teacher probabilities at T = 1:
# KL(teacher || student) + JML over the classes the teacher gives at least
# 0.01 somewhere (active_classes='label'). The auxiliary head gets CE and KL
# only, scaled by MMSeg's 0.4.
jml_kd_temperature = 1.0
jml_kd_decode_losses = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.125),
    dict(type='JaccardMetricLoss', loss_weight=0.375)
]
jml_kd_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=jml_kd_temperature,
        loss_weight=0.125,
        loss_name='loss_kd_kl'),
    dict(
        type='JaccardMetricLoss',
        active_classes='label',
        threshold=0.01,
        loss_weight=0.375,
        loss_name='loss_kd_jml')
]
jml_kd_aux_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.2)]
jml_kd_aux_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=jml_kd_temperature,
        loss_weight=0.2,
        loss_name='loss_kd_kl')
]
