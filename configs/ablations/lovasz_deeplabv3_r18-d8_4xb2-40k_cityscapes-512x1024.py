# Table 10: MMSeg's Lovasz-Softmax in place of JML (hard labels only: the
# Lovasz extension cannot take soft labels), with the official weights of
# configs/_base_/losses/jml.py (decode CE 0.125 + 0.75, auxiliary CE 0.125).
_base_ = '../cityscapes/ce_deeplabv3_r18-d8_4xb2-40k_cityscapes-512x1024.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.125),
        dict(
            type='LovaszLoss',
            loss_type='multi_class',
            per_image=False,
            reduction='none',
            loss_weight=0.75,
            loss_name='loss_lovasz')
    ]),
    auxiliary_head=dict(
        loss_decode=[dict(type='SoftCrossEntropyLoss', loss_weight=0.125)]))
