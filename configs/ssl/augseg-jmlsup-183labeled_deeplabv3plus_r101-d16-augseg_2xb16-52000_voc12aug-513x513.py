# Appendix I ablation, row 3 (183 labels; paper: 76.20 mIoU): AugSeg
# + JML on the labelled images. Only the loss lists differ from AugSeg
# (./_base_/ssl_losses.py): labelled 0.25 CE + 0.75 JML on the hard ground
# truth, unlabelled AugSeg's CE (1.0) on the confidence >= 0.95 pseudo labels.
_base_ = './augseg-183labeled_deeplabv3plus_r101-d16-augseg_2xb16-52000_voc12aug-513x513.py'
model = dict(decode_head=dict(loss_decode={{_base_.ssl_sup_ce_jml}}))
