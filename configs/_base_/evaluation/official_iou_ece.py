# The evaluation of the official test config (zifuwanggg/JDTLosses,
# configs/test/test_iou_ece.yaml: Acc, mIoUD, mIoUIC, ECED/ECEI, SCED/SCEI,
# num_bins 10, q 5, q_bar True) for every paper config: MMSeg's IoUMetric
# (aAcc, mIoU = mIoU^D, mAcc), FineGrainedIoUMetric beside it (mIoU^I/^C,
# mDice^D/I/C, the worst 5% of images and the averaged worst cases; the keys
# IoUMetric reports are left to it) and CalibrationMetric (ECE, BECE, SCE,
# BSCE with 10 bins).
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(
        type='FineGrainedIoUMetric',
        worst_quantiles=(0.05, ),
        worst_average=True),
    dict(type='CalibrationMetric', num_bins=10)
]
test_evaluator = val_evaluator
