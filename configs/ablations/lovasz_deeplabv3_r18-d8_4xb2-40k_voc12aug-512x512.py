# Table 10: CE 0.25 + MMSeg's Lovasz-Softmax 0.75 (hard labels only:
# the Lovasz extension cannot take soft labels).
_base_ = '../voc12aug/ce_deeplabv3_r18-d8_4xb2-40k_voc12aug-512x512.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
        dict(
            type='LovaszLoss',
            loss_type='multi_class',
            per_image=False,
            reduction='none',
            loss_weight=0.75,
            loss_name='loss_lovasz')
    ]),
    auxiliary_head=dict(loss_decode=[
        dict(type='SoftCrossEntropyLoss', loss_weight=0.1),
        dict(
            type='LovaszLoss',
            loss_type='multi_class',
            per_image=False,
            reduction='none',
            loss_weight=0.3,
            loss_name='loss_lovasz')
    ]))
