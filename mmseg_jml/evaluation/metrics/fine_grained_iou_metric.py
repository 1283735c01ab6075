"""Fine-grained mIoU (dataset-, image- and class-level) and its worst cases.

Definitions follow Zifu Wang, Maxim Berman, Amal Rannen-Triki, Philip H.S.
Torr, Devis Tuia, Tinne Tuytelaars, Luc Van Gool, Jiaqian Yu, Matthew B.
Blaschko, "Revisiting Evaluation Metrics for Semantic Segmentation:
Optimization and Evaluation of Fine-grained Intersection over Union",
NeurIPS 2023.
"""
import math
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from mmseg.registry import METRICS
from ._common import (check_decimals, check_int, check_labels, class_names,
                      label_map, percent)

__all__ = ['FineGrainedIoUMetric']


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` in float64, NaN where ``den == 0``."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _nanmean(x: np.ndarray, axis: Optional[int] = None) -> np.ndarray:
    """``np.nanmean`` without the all-NaN warning (the result is NaN)."""
    x = np.asarray(x, dtype=np.float64)
    valid = ~np.isnan(x)
    total = np.where(valid, x, 0.0).sum(axis=axis)
    return _div(total, valid.sum(axis=axis))


def _worst_mean(x: np.ndarray, q: float) -> float:
    """Mean of the lowest ``ceil(q * n)`` non-NaN values of ``x`` (NaN if
    there is none)."""
    x = np.sort(x[~np.isnan(x)])
    if x.size == 0:
        return float('nan')
    k = max(1, math.ceil(q * x.size - 1e-9))
    return float(x[:k].mean())


def quantile_tag(q: float) -> str:
    """The suffix of a worst-case key: ``q`` in percent, e.g. 0.1 -> '10',
    0.05 -> '5', 0.025 -> '2.5'."""
    return f'{q * 100:g}'


@METRICS.register_module()
class FineGrainedIoUMetric(BaseMetric):
    """Dataset-, image- and class-level mIoU and mDice, and their worst cases.

    Per image ``i`` and class ``c`` the metric keeps the pixel counts of the
    intersection :math:`I_{i,c}`, the prediction :math:`P_{i,c}` and the
    ground truth :math:`G_{i,c}` over the counted pixels (ground truth not
    ``ignore_index``; ignored pixels count for neither prediction nor ground
    truth, as in MMSeg's ``IoUMetric``), and :math:`U_{i,c} = P_{i,c} +
    G_{i,c} - I_{i,c}`. Memory grows with images x classes, not pixels.

    .. math::

        \\mathrm{aAcc} = \\frac{\\sum_{i,c} I_{i,c}}{\\sum_{i,c} G_{i,c}},
        \\qquad
        \\mathrm{IoU}^D_c = \\frac{\\sum_i I_{i,c}}{\\sum_i U_{i,c}},
        \\qquad
        \\mathrm{mIoU}^D = \\operatorname{mean}_{c:\\ \\sum_i U_{i,c} > 0}
            \\mathrm{IoU}^D_c

    :math:`\\mathrm{mIoU}^D` is MMSeg's ``mIoU`` (classes absent from the
    whole ground truth and prediction are NaN and left out, as MMSeg's
    ``nanmean``). The fine-grained variants use the per-image IoU
    :math:`\\mathrm{IoU}_{i,c} = I_{i,c} / U_{i,c}`, defined only where class
    ``c`` is present in image ``i``'s ground truth *or* prediction
    (:math:`U_{i,c} > 0`; a class predicted but absent from the ground truth
    scores 0, a class absent from both is left out), following the
    NeurIPS 2023 paper:

    .. math::

        \\mathrm{mIoU}^I = \\frac{1}{|\\mathcal{I}|}\\sum_{i \\in \\mathcal{I}}
            \\operatorname{mean}_{c:\\ U_{i,c} > 0} \\mathrm{IoU}_{i,c},
        \\qquad
        \\mathrm{mIoU}^C = \\operatorname{mean}_{c}\\
            \\operatorname{mean}_{i:\\ U_{i,c} > 0} \\mathrm{IoU}_{i,c}

    where :math:`\\mathcal{I}` are the images with at least one counted
    pixel, and the outer mean of ``mIoU^C`` runs over the classes present in
    at least one image. Dice uses :math:`2 I / (P + G)` in place of
    :math:`I / U` everywhere (``mDice``, ``mDice_I``, ``mDice_C``).

    Worst cases, for each ``q`` in ``worst_quantiles``: ``mIoU_I_worst{Q}``
    is the mean of the lowest :math:`\\lceil q\\,n \\rceil` image scores
    :math:`\\operatorname{mean}_c \\mathrm{IoU}_{i,c}` (``n`` images);
    ``mIoU_C_worst{Q}`` is, per class, the mean of its lowest
    :math:`\\lceil q\\,n_c \\rceil` values :math:`\\mathrm{IoU}_{i,c}` over
    the :math:`n_c` images where it is present, then the mean over classes.
    ``Q`` is ``q`` in percent formatted with ``:g`` (``q=0.1`` ->
    ``mIoU_I_worst10``, ``q=0.05`` -> ``mIoU_I_worst5``). Same for Dice.

    Returned keys (all in percent, rounded to ``decimals``): ``aAcc``,
    ``mIoU``, ``mAcc``, ``mDice``, ``mIoU_I``, ``mIoU_C``, ``mDice_I``,
    ``mDice_C``, the worst-case keys above, and ``IoU.<class name>`` (the
    dataset-level IoU of each class; NaN for a class absent from ground
    truth and prediction, unless ``nan_to_num`` is set). A per-class table
    (IoU, Acc, Dice, IoU_C, Dice_C) is printed to the log as MMSeg does.

    Args:
        ignore_index (int): Ground-truth label of pixels that do not count.
            Defaults to 255.
        worst_quantiles (Sequence[float]): Fractions ``q`` in ``(0, 1]`` of
            the worst-case variants. Defaults to ``(0.1,)``; ``()`` disables
            them.
        nan_to_num (int | float, optional): If given, NaN per-class values
            (dataset-level IoU/Acc/Dice, class-level IoU/Dice and their worst
            cases) are replaced by this number before averaging, as in MMSeg.
            Defaults to None.
        decimals (int, optional): Rounding of the returned percentages.
            Defaults to 2 (as MMSeg); None returns them unrounded.
        collect_device (str): ``'cpu'`` or ``'gpu'``, device used to collect
            results across ranks. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None.
        collect_dir (str, optional): Directory used to collect results across
            ranks when ``collect_device='cpu'``. Defaults to None.
    """

    def __init__(self,
                 ignore_index: int = 255,
                 worst_quantiles: Sequence[float] = (0.1, ),
                 nan_to_num: Optional[float] = None,
                 decimals: Optional[int] = 2,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        self.ignore_index = check_int('ignore_index', ignore_index)
        if isinstance(worst_quantiles, (str, bytes)) or not isinstance(
                worst_quantiles, Sequence):
            raise TypeError(f'expected worst_quantiles to be a sequence of '
                            f'floats, got {type(worst_quantiles).__name__}')
        quantiles = []
        for q in worst_quantiles:
            if isinstance(q, bool) or not isinstance(q, (int, float)):
                raise TypeError(f'expected worst_quantiles to hold floats, '
                                f'got {type(q).__name__}')
            if not 0 < q <= 1:
                raise ValueError(
                    f'expected worst_quantiles in (0, 1], got {q}')
            quantiles.append(float(q))
        self.worst_quantiles: Tuple[float, ...] = tuple(quantiles)
        if nan_to_num is not None and (isinstance(nan_to_num, bool) or
                                       not isinstance(nan_to_num,
                                                      (int, float))):
            raise TypeError(f'expected nan_to_num to be a number or None, '
                            f'got {type(nan_to_num).__name__}')
        self.nan_to_num = nan_to_num
        self.decimals = check_decimals(decimals)

    @staticmethod
    def image_counts(pred: torch.Tensor, label: torch.Tensor,
                     num_classes: int,
                     ignore_index: int) -> Tuple[np.ndarray, ...]:
        """Per-class pixel counts of one image.

        Args:
            pred (Tensor): Predicted class map ``(H, W)``.
            label (Tensor): Ground-truth map ``(H, W)``.
            num_classes (int): Number of classes ``C``.
            ignore_index (int): Ground-truth label that does not count.

        Returns:
            tuple[np.ndarray]: ``(intersection, prediction, ground truth)``
            counts, each ``(C,)`` int64, over the counted pixels.
        """
        if pred.shape != label.shape:
            raise ValueError(f'expected pred_sem_seg and gt_sem_seg of the '
                             f'same shape, got {tuple(pred.shape)} and '
                             f'{tuple(label.shape)}')
        check_labels('gt_sem_seg', label, num_classes, ignore_index)
        counted = label != ignore_index
        pred = pred[counted]
        label = label[counted]
        check_labels('pred_sem_seg', pred, num_classes, None)
        inter = torch.bincount(label[pred == label], minlength=num_classes)
        area_pred = torch.bincount(pred, minlength=num_classes)
        area_label = torch.bincount(label, minlength=num_classes)
        return tuple(x.cpu().numpy().astype(np.int64)
                     for x in (inter, area_pred, area_label))

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store the per-class counts of every image of the batch.

        Args:
            data_batch (dict): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Outputs of the model, each with
                ``pred_sem_seg`` and ``gt_sem_seg``.
        """
        num_classes = len(class_names(self.dataset_meta))
        for data_sample in data_samples:
            pred = label_map(data_sample, 'pred_sem_seg')
            label = label_map(data_sample, 'gt_sem_seg').to(pred.device)
            self.results.append(
                self.image_counts(pred, label, num_classes, self.ignore_index))

    def _fix_nan(self, x: np.ndarray) -> np.ndarray:
        if self.nan_to_num is None:
            return x
        return np.nan_to_num(x, nan=self.nan_to_num)

    def compute_metrics(self, results: List[Tuple[np.ndarray, ...]]
                        ) -> Dict[str, float]:
        """Compute the metrics from the per-image counts.

        Args:
            results (list): ``(intersection, prediction, ground truth)``
                count triples, one per image.

        Returns:
            dict[str, float]: The metrics, in percent (see the class doc).
        """
        names = class_names(self.dataset_meta)
        num_classes = len(names)
        if len(results) == 0:
            raise ValueError('expected at least one processed image, got 0')
        inter, area_pred, area_label = (np.stack(x).astype(np.int64)
                                        for x in zip(*results))
        if inter.shape[1] != num_classes:
            raise ValueError(f'expected per-image counts of {num_classes} '
                             f'classes, got {inter.shape[1]}')
        union = area_pred + area_label - inter
        pred_plus_label = area_pred + area_label

        # Dataset level (MMSeg's numbers).
        iou_d = self._fix_nan(_div(inter.sum(0), union.sum(0)))
        acc_d = self._fix_nan(_div(inter.sum(0), area_label.sum(0)))
        dice_d = self._fix_nan(_div(2 * inter.sum(0), pred_plus_label.sum(0)))
        a_acc = _div(inter.sum(), area_label.sum())

        # Image x class level; NaN where the class is in neither map.
        iou_ic = _div(inter, union)
        dice_ic = _div(2 * inter, pred_plus_label)
        iou_i = _nanmean(iou_ic, axis=1)
        dice_i = _nanmean(dice_ic, axis=1)
        iou_c = self._fix_nan(_nanmean(iou_ic, axis=0))
        dice_c = self._fix_nan(_nanmean(dice_ic, axis=0))

        d = self.decimals
        metrics: Dict[str, float] = OrderedDict()
        metrics['aAcc'] = percent(a_acc, d)
        metrics['mIoU'] = percent(_nanmean(iou_d), d)
        metrics['mAcc'] = percent(_nanmean(acc_d), d)
        metrics['mDice'] = percent(_nanmean(dice_d), d)
        metrics['mIoU_I'] = percent(_nanmean(iou_i), d)
        metrics['mIoU_C'] = percent(_nanmean(iou_c), d)
        metrics['mDice_I'] = percent(_nanmean(dice_i), d)
        metrics['mDice_C'] = percent(_nanmean(dice_c), d)
        for q in self.worst_quantiles:
            tag = quantile_tag(q)
            for name, per_image, per_pair in (('mIoU', iou_i, iou_ic),
                                              ('mDice', dice_i, dice_ic)):
                metrics[f'{name}_I_worst{tag}'] = percent(
                    _worst_mean(per_image, q), d)
                per_class = np.array([
                    _worst_mean(per_pair[:, c], q) for c in range(num_classes)
                ])
                metrics[f'{name}_C_worst{tag}'] = percent(
                    _nanmean(self._fix_nan(per_class)), d)
        for name, value in zip(names, iou_d):
            metrics[f'IoU.{name}'] = percent(value, d)

        table = PrettyTable()
        table.add_column('Class', list(names))
        for column, values in (('IoU', iou_d), ('Acc', acc_d),
                               ('Dice', dice_d), ('IoU_C', iou_c),
                               ('Dice_C', dice_c)):
            table.add_column(column,
                             [round(float(v) * 100, 2) for v in values])
        logger: MMLogger = MMLogger.get_current_instance()
        print_log('per class results:', logger)
        print_log('\n' + table.get_string(), logger=logger)
        return metrics
