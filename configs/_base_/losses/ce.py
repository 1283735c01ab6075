# CE: cross-entropy on the decode and the auxiliary head, 0.5 each, the
# official segmentor's weights (zifuwanggg/JDTLosses, models/segmentor.py
# forward_loss_hard_label: ce_weight x main_weight / aux_weight, with
# main_weight = aux_weight = 0.5 in configs/losses/*.yaml and ce_weight 1.0
# for a CE run). SoftCrossEntropyLoss equals MMSeg's CrossEntropyLoss on
# hard labels (mean over counted pixels).
ce_decode_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.5)]
ce_aux_losses = [dict(type='SoftCrossEntropyLoss', loss_weight=0.5)]
