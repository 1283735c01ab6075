# JML-SSL (AugSeg + JML with BLS), PASCAL VOC 92 labelled images: the
# AugSeg config of the same split (data, schedule, hooks) with JML-SSL's
# losses (ssl_jml_ssl_model in ./_base_/ssl_losses.py says which and why).
_base_ = './augseg-92labeled_deeplabv3plus_r101-d16-augseg_2xb16-52400_voc12aug-513x513.py'
model = {{_base_.ssl_jml_ssl_model}}
