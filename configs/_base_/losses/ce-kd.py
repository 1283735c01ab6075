# CE-KD: cross-entropy on the ground truth (0.5) and KL(teacher || student)
# at T = 1 on the teacher's probabilities (0.5), the official group weights.
# The auxiliary head gets the same two terms, scaled by MMSeg's 0.4.
ce_kd_temperature = 1.0
ce_kd_decode_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.5)]
ce_kd_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=ce_kd_temperature,
        loss_weight=0.5,
        loss_name='loss_kd_kl')
]
ce_kd_aux_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.2)]
ce_kd_aux_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=ce_kd_temperature,
        loss_weight=0.2,
        loss_name='loss_kd_kl')
]
