# Table 10 variant: CE 0.25 + MMSeg's Lovasz-Softmax 0.75 (hard labels only:
# the Lovasz extension cannot take soft labels).
_base_ = './ce_fcn_unet-s5-c16_1xb8-150_mni152-128x128.py'
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
    ]))
