# Semi-supervised demo, JML-SSL row: the AugSeg demo row with JML-SSL's loss
# lists only (ssl_jml_ssl_model of configs/ssl/_base_/ssl_losses.py, as
# configs/ssl/jml-ssl-*): labelled 0.25 CE + 0.75 JML on BLS-smoothed ground truth;
# unlabelled 0.25 CE on the BLS-smoothed confidence >= 0.95 pseudo labels +
# 0.75 JML between the student's prediction and the teacher's soft
# probabilities (pasted labelled regions: BLS-smoothed ground truth).
_base_ = './augseg-1of8labeled_fcn_unet-s5-c16_1xb16-150_mni152-128x128.py'
model = {{_base_.ssl_jml_ssl_model}}
