# Semi-supervised demo, supervised-only row: the CE demo
# (./ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py) trained on the 10
# labelled slices of the 1/8 split only (configs/ssl/splits/mni152-1of8),
# batches of 8, 150 iterations. Compare with the AugSeg and JML-SSL rows,
# which add the 69 unlabelled slices.
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
train_dataloader = dict(
    dataset=dict(
        ann_file='{{ fileDirname }}/../ssl/splits/mni152-1of8/labeled.txt'))
