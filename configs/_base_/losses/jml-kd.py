# JML-KD: the official forward_loss_kd (zifuwanggg/JDTLosses,
# models/segmentor.py; configs/labels/kd.yaml: T = 1, label_weight =
# teacher_weight = 0.5; configs/losses/jaccard_present_label.yaml:
# main_weight = aux_weight = 0.5, ce_weight 0.25, jdt_weight 0.75, soft
# active classes LABEL, threshold 0.01):
# - decode head: CE(label) 0.0625 + JML(label) 0.375 + KL(teacher || student)
#   0.0625 + JML(teacher) 0.375 over the classes the teacher gives at least
#   0.01 somewhere (active_classes='label');
# - auxiliary head: CE(label) 0.0625 + KL 0.0625 against the teacher's
#   auxiliary head; no JML.
# JML statistics summed over the ranks (reduce_across_ranks).
jml_kd_temperature = 1.0
jml_kd_decode_losses = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.0625),
    dict(type='JaccardMetricLoss', loss_weight=0.375, reduce_across_ranks=True)
]
jml_kd_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=jml_kd_temperature,
        loss_weight=0.0625,
        loss_name='loss_kd_kl'),
    dict(
        type='JaccardMetricLoss',
        active_classes='label',
        threshold=0.01,
        loss_weight=0.375,
        reduce_across_ranks=True,
        loss_name='loss_kd_jml')
]
jml_kd_aux_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.0625)]
jml_kd_aux_distill_losses = [
    dict(
        type='KLDivergenceLoss',
        temperature=jml_kd_temperature,
        loss_weight=0.0625,
        loss_name='loss_kd_kl')
]
