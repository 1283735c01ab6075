# Appendix I ablation, row 4 (92 labels; paper: 74.74 mIoU): AugSeg
# + JML on the labelled images + JML on the unlabelled ones. Only the loss
# lists differ from AugSeg (./_base_/ssl_losses.py): labelled 0.25 CE + 0.75
# JML on the hard ground truth; unlabelled 0.25 CE on the confidence >= 0.95
# pseudo labels + 0.75 JML between the student's prediction and the
# teacher's soft probabilities (pasted labelled regions: the one-hot ground
# truth; no confidence mask on the JML term). Adding BLS gives JML-SSL.
_base_ = './augseg-92labeled_deeplabv3plus_r101-d16-augseg_2xb16-52400_voc12aug-513x513.py'
model = {{_base_.ssl_jmlsup_jmlunsup_model}}
