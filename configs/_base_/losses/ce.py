# The CE baseline: cross-entropy on the decode head and, with MMSeg's usual
# weight 0.4, on the auxiliary head (SoftCrossEntropyLoss equals MMSeg's
# CrossEntropyLoss on hard labels, averaged over counted pixels).
ce_decode_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=1.0)]
ce_aux_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.4)]
