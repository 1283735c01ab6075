# Semi-supervised demo, ablation row (not one of the three rows of the
# issue): the AugSeg demo row with JML on both branches but no BLS, i.e.
# JML-SSL without BLS (configs/ssl/_base_/ssl_losses.py, the ablation's row
# 4): labelled 0.25 CE + 0.75 JML, unlabelled 0.25 CE on the confidence
# >= 0.95 pseudo labels + 0.75 JML on the teacher's soft probabilities.
# It separates the JML terms from BLS, which costs mIoU on this demo even
# with full labels (README: JML-BLS vs JML).
_base_ = './augseg-1of8labeled_fcn_unet-s5-c16_1xb16-150_mni152-128x128.py'
model = {{_base_.ssl_jmlsup_jmlunsup_model}}
