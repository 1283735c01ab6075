"""EncoderDecoder trained on soft ground truth carried by the dataset."""
from typing import Dict, Optional

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         SampleList, add_prefix)
from torch import Tensor

from ...datasets.transforms.formatting import register_soft_label_consumer
from ..utils.soft_loss import (accepts_soft_target, check_soft_ignore_index,
                               check_soft_label_head, head_loss_modules,
                               head_losses, loss_heads, stack_soft_targets)

__all__ = ['SoftLabelEncoderDecoder']


@MODELS.register_module()
class SoftLabelEncoderDecoder(EncoderDecoder):
    """:class:`~mmseg.models.segmentors.EncoderDecoder` whose training losses
    read a per-pixel soft label map.

    Every training sample must carry ``gt_soft_sem_seg`` (a float (C, H, W)
    map, packed by
    :class:`~mmseg_jml.datasets.transforms.PackSoftSegInputs` after
    :class:`~mmseg_jml.datasets.transforms.LoadSoftLabelMap`). The maps are
    zero-padded to the (padded) hard label size and stacked to (N, C, H, W);
    the losses of the decode head and of the auxiliary heads that accept soft
    targets (:func:`~mmseg_jml.models.utils.accepts_soft_target`: this
    package's ``JaccardMetricLoss``, ``DiceMetricLoss``,
    ``SoftCrossEntropyLoss``, ``KLDivergenceLoss``) receive them, the others
    (e.g. MMSeg's ``CrossEntropyLoss``) receive the hard label; ``acc_seg``
    is computed on the hard label. Inference is ``EncoderDecoder``'s.

    The soft maps must have been packed with the ``ignore_index`` of every
    head that receives them (checked at each batch, from the packed maps'
    metainfo). Building the segmentor registers it as a reader of soft maps
    (:func:`~mmseg_jml.datasets.transforms.register_soft_label_consumer`),
    which silences the "soft maps unused" warning of ``PackSoftSegInputs``.

    Args:
        backbone (ConfigType): Backbone config.
        decode_head (ConfigType): Decode head config; the head must use
            MMSeg's ``BaseDecodeHead.loss`` / ``loss_by_feat``.
        neck (OptConfigType): Neck config. Defaults to None.
        auxiliary_head (OptConfigType): Auxiliary head config(s). Defaults to
            None.
        train_cfg (OptConfigType): Training config. Defaults to None.
        test_cfg (OptConfigType): Testing config. Defaults to None.
        data_preprocessor (OptConfigType): Data preprocessor config.
            Defaults to None.
        pretrained (str, optional): Pretrained backbone weights. Defaults to
            None.
        init_cfg (OptMultiConfig): Initialisation config. Defaults to None.

    Raises:
        TypeError: If a head overrides ``loss`` / ``loss_by_feat``.
        ValueError: If no loss of any head accepts soft targets (the soft
            ground truth would be unused).
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            backbone=backbone,
            decode_head=decode_head,
            neck=neck,
            auxiliary_head=auxiliary_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            pretrained=pretrained,
            init_cfg=init_cfg)
        heads = [head for _, head in loss_heads(self)]
        for head in heads:
            check_soft_label_head(head)
        names = [
            type(loss).__name__ for head in heads
            for loss in head_loss_modules(head)
        ]
        if not any(
                accepts_soft_target(loss) for head in heads
                for loss in head_loss_modules(head)):
            raise ValueError(
                'expected at least one loss that accepts soft targets '
                '(JaccardMetricLoss, DiceMetricLoss, SoftCrossEntropyLoss, '
                f'KLDivergenceLoss), got {names}; with hard-label losses '
                'only, use EncoderDecoder')
        register_soft_label_consumer(self)

    def loss(self, inputs: Tensor,
             data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of a batch, with the soft label maps as targets.

        Args:
            inputs (Tensor): (N, 3, H, W) input images.
            data_samples (list[SegDataSample]): The batch, each with
                ``gt_sem_seg`` and ``gt_soft_sem_seg``.

        Returns:
            dict[str, Tensor]: Losses and accuracies, named as by
            ``EncoderDecoder`` (``decode.loss_*``, ``aux.loss_*``, ...).

        Raises:
            ValueError: If a sample has no soft label map, its class count
                differs from the model's ``num_classes``, or it was packed
                with another ``ignore_index`` than a head that receives it.
        """
        for prefix, head in loss_heads(self):
            if any(map(accepts_soft_target, head_loss_modules(head))):
                check_soft_ignore_index(data_samples, head.ignore_index,
                                        f'{prefix} head')
        soft_targets = stack_soft_targets(
            data_samples, num_classes=self.decode_head.out_channels)
        # The losses compute in float32: convert half-precision maps once
        # here, so that every loss shares one float32 batch instead of each
        # keeping its own converted copy for its backward.
        soft_targets = soft_targets.to(
            inputs.device,
            torch.promote_types(soft_targets.dtype, torch.float32))
        x = self.extract_feat(inputs)
        losses: Dict[str, Tensor] = {}
        for prefix, head in loss_heads(self):
            head_result = head_losses(head, head.forward(x), data_samples,
                                      soft_targets)
            losses.update(add_prefix(head_result, prefix))
        return losses
