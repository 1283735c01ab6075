# JML-SSL (the paper's Appendix I, Table 12): AugSeg + JML with BLS, the
# last row of the ablation (ssl_losses.py).
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
_base_ = './semi.py'
model = {{_base_.ssl_jml_ssl_model}}
