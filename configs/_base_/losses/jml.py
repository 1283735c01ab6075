# JML: the official segmentor's weights (zifuwanggg/JDTLosses,
# models/segmentor.py with configs/losses/jaccard_present_all.yaml:
# main_weight = aux_weight = 0.5, ce_weight 0.25, jdt_weight 0.75, JML on the
# decode head only): decode CE 0.25 x 0.5 = 0.125 + JML 0.75; auxiliary CE
# 0.125, no JML. The JML statistics are summed over the ranks
# (reduce_across_ranks) so that 4 GPUs x 2 images optimise the batch-8 loss
# of the paper (Appendix B; section 6.2).
jml_decode_losses = [
    dict(type='SoftCrossEntropyLoss', loss_weight=0.125),
    dict(type='JaccardMetricLoss', loss_weight=0.75, reduce_across_ranks=True)
]
jml_aux_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.125)]
