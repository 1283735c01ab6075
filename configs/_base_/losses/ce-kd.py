# CE-KD: the official forward_loss_kd (zifuwanggg/JDTLosses,
# models/segmentor.py; configs/labels/kd.yaml: T = 1, label_weight =
# teacher_weight = 0.5) with ce_weight 1.0 and no JML: on each head
# CE(label) 1.0 x 0.5 x 0.5 = 0.25 and KL(teacher || student) 0.25, the
# auxiliary head's KL against the teacher's auxiliary head.
ce_kd_temperature = 1.0
ce_kd_decode_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.25)]
ce_kd_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=ce_kd_temperature,
        loss_weight=0.25,
        loss_name='loss_kd_kl')
]
ce_kd_aux_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.25)]
ce_kd_aux_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=ce_kd_temperature,
        loss_weight=0.25,
        loss_name='loss_kd_kl')
]
