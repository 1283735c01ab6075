# The loss lists of the semi-supervised configs (configs/ssl and the
# semi-supervised demo rows), one copy. The paper's Appendix I ablation adds
# one term at a time (Table 12, right; 92 and 183 labels):
#   1. CE on labelled images                  (sup-only, AugSeg's SupOnly)
#   2. + CE on confidence >= 0.95 pseudo labels (AugSeg)
#   3. + JML on labelled images               (augseg-jmlsup)
#   4. + JML on the teacher's soft probabilities (augseg-jmlsup-jmlunsup)
#   5. + BLS                                   (jml-ssl)
# Weights (the paper: "0.25/0.75 (CE/JML) in all our experiments"; the
# weights of the SSL runs themselves are lost): a branch with CE and JML
# weighs them 0.25/0.75, a branch with CE only keeps AugSeg's 1.0; the
# labelled and the unlabelled sums add up with weight 1 each (AugSeg).
# BLS: JDTLosses' defaults, k = 3, eps = 0.5.
ssl_bls = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)
# labelled (decode_head.loss_decode; CE alone is the model's default)
ssl_sup_ce_jml = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
    dict(type='JaccardMetricLoss', loss_weight=0.75)
]
ssl_sup_ce_jml_bls = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.25,
         target_transform=ssl_bls),
    dict(type='JaccardMetricLoss', loss_weight=0.75,
         target_transform=ssl_bls)
]
# unlabelled, on the hard pseudo labels (unsup_hard_losses)
ssl_unsup_ce = [dict(type='SoftCrossEntropyLoss', loss_weight=1.0)]
ssl_unsup_ce_with_jml = [dict(type='SoftCrossEntropyLoss', loss_weight=0.25)]
ssl_unsup_ce_with_jml_bls = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.25,
         target_transform=ssl_bls)
]
# unlabelled, on the teacher's soft probabilities (unsup_soft_losses);
# active classes: all (JDTLosses' default for soft targets)
ssl_unsup_jml = [
    dict(type='JaccardMetricLoss', loss_weight=0.75, active_classes='all')
]
# JML-SSL's losses as a model override (configs/ssl/jml-ssl-* and the
# JML-SSL demo row; the paper's Appendix I, Table 12: AugSeg + JML with BLS,
# the last row of the ablation).
# Stated: CE/JML weights 0.25/0.75 in all experiments; BLS stacked on
# AugSeg's augmentations (k = 3, eps = 0.5, JDTLosses defaults).
# Choices where the paper is silent (each one a switch here):
# - labelled: 0.25 CE + 0.75 JML, both on BLS-smoothed ground truth;
# - unlabelled: 0.25 CE on the confidence >= 0.95 hard pseudo labels (BLS on
#   the pseudo label: target_transform; AugSeg's all-pixel averaging kept)
#   + 0.75 JML between the student's strong-view prediction and the
#   teacher's soft weak-view probabilities (CutMix-ed with the same boxes;
#   pasted labelled regions carry the BLS-smoothed ground truth:
#   soft_label_transform). Active classes: all (JDTLosses' soft default).
# - the confidence mask does not weight the JML term (soft_loss_conf_mask
#   False: JDTLosses' KD masks only ignored pixels).
ssl_jml_ssl_model = dict(
    decode_head=dict(loss_decode=ssl_sup_ce_jml_bls),
    unsup_hard_losses=ssl_unsup_ce_with_jml_bls,
    unsup_soft_losses=ssl_unsup_jml,
    soft_loss_conf_mask=False,
    soft_label_transform=ssl_bls)
# Ablation row 4 (AugSeg + JML on labelled + JML on unlabelled, no BLS) as
# a model override (configs/ssl/augseg-jmlsup-jmlunsup-* and the demo row).
ssl_jmlsup_jmlunsup_model = dict(
    decode_head=dict(loss_decode=ssl_sup_ce_jml),
    unsup_hard_losses=ssl_unsup_ce_with_jml,
    unsup_soft_losses=ssl_unsup_jml)
