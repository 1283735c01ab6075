"""Fine-grained mIoU (dataset-, image- and class-level) and its worst cases.

Definitions follow Zifu Wang, Maxim Berman, Amal Rannen-Triki, Philip H.S.
Torr, Devis Tuia, Tinne Tuytelaars, Luc Van Gool, Jiaqian Yu, Matthew B.
Blaschko, "Revisiting Evaluation Metrics for Semantic Segmentation:
Optimization and Evaluation of Fine-grained Intersection over Union",
NeurIPS 2023.
"""
import sys
from collections import OrderedDict
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from mmseg.evaluation import IoUMetric
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


def worst_count(q: float, n: int, per_class: bool = False) -> int:
    """How many of ``n`` values a worst case at fraction ``q`` averages.

    :math:`\\max(1, \\lfloor q\\,n \\rfloor)`, with :math:`q\\,n`
    computed in floating point as the official code (``reduceI`` /
    ``reduceC`` in ``metrics/accuracy_metric.py`` of zifuwanggg/JDTLosses)
    computes it: in float64 for images, in float32 for classes (a float
    times a ``torch.long`` tensor). The two differ from the exact floor in
    rare cases (float64: ``q = 0.7``, ``n = 90`` gives 62).

    Args:
        q (float): Fraction in ``(0, 1]``.
        n (int): Number of values (``>= 1``).
        per_class (bool): Use the class-level (float32) product. Defaults to
            False.

    Returns:
        int: The count, in ``[1, n]``.
    """
    product = np.float32(q) * np.float32(n) if per_class else q * n
    return max(1, int(product))


def _worst_mean(x: np.ndarray, q: float, per_class: bool = False) -> float:
    """Mean of the lowest :func:`worst_count` non-NaN values of ``x`` (NaN
    if there is none)."""
    x = np.sort(x[~np.isnan(x)])
    if x.size == 0:
        return float('nan')
    return float(x[:worst_count(q, x.size, per_class)].mean())


#: The fractions whose worst cases the averaged worst case (``*_worst_avg``)
#: averages: 10%, 20%, ..., 100%, as the official code (``q / 100`` for q in
#: ``range(10, 110, 10)``).
AVERAGED_QUANTILES = tuple(q / 100 for q in range(10, 110, 10))

#: The keys MMSeg's ``IoUMetric`` returns for each entry of its
#: ``iou_metrics`` (``IoUMetric.compute_metrics`` of mmseg 1.x).
IOU_METRIC_KEYS = {
    'mIoU': ('aAcc', 'mIoU', 'mAcc'),
    'mDice': ('aAcc', 'mDice', 'mAcc'),
    'mFscore': ('aAcc', 'mFscore', 'mPrecision', 'mRecall'),
}


def quantile_tag(q: float) -> str:
    """The suffix of a worst-case key: ``q`` in percent, e.g. 0.1 -> '10',
    0.05 -> '5', 0.025 -> '2.5'."""
    return f'{q * 100:g}'


@METRICS.register_module()
class FineGrainedIoUMetric(BaseMetric):
    r"""Dataset-, image- and class-level mIoU and mDice, and their worst cases.

    Per image ``i`` and class ``c`` the metric keeps the pixel counts of the
    intersection :math:`I_{i,c}`, the prediction :math:`P_{i,c}` and the
    ground truth :math:`G_{i,c}` over the counted pixels (ground truth not
    ``ignore_index``; ignored pixels count for neither prediction nor ground
    truth, as in MMSeg's ``IoUMetric``), and :math:`U_{i,c} = P_{i,c} +
    G_{i,c} - I_{i,c}`. Memory grows with images x classes, not pixels.

    .. math::

        \mathrm{aAcc} = \frac{\sum_{i,c} I_{i,c}}{\sum_{i,c} G_{i,c}},
        \qquad
        \mathrm{IoU}^D_c = \frac{\sum_i I_{i,c}}{\sum_i U_{i,c}},
        \qquad
        \mathrm{mIoU}^D = \operatorname{mean}_{c:\ \sum_i U_{i,c} > 0}
            \mathrm{IoU}^D_c

    :math:`\mathrm{mIoU}^D` is MMSeg's ``mIoU`` (classes absent from the
    whole ground truth and prediction are NaN and left out, as MMSeg's
    ``nanmean``). The fine-grained variants use the per-image IoU
    :math:`\mathrm{IoU}_{i,c} = I_{i,c} / U_{i,c}` of the classes present in
    image ``i``'s **ground truth**, :math:`A_i = \{c : G_{i,c} > 0\}`, as
    the official code does (``AccuracyMetric`` in ``metrics/accuracy_metric.py``
    of zifuwanggg/JDTLosses: ``active_classes`` from the label only). A class
    that is predicted in image ``i`` but absent from its ground truth is not
    averaged there; its pixels still lower the IoU of the true classes they
    were taken from:

    .. math::

        \mathrm{mIoU}^I = \frac{1}{|\mathcal{I}|}\sum_{i \in \mathcal{I}}
            \operatorname{mean}_{c \in A_i} \mathrm{IoU}_{i,c},
        \qquad
        \mathrm{mIoU}^C = \operatorname{mean}_{c}\
            \operatorname{mean}_{i:\ c \in A_i} \mathrm{IoU}_{i,c}

    where :math:`\mathcal{I}` are the images with at least one counted
    pixel, and the outer mean of ``mIoU^C`` runs over the classes present in
    at least one image's ground truth (the official code has no rule for a
    class absent from every image: its mean becomes NaN). Dice uses
    :math:`2 I / (P + G)` in place of :math:`I / U` everywhere (``mDice``,
    ``mDice_I``, ``mDice_C``).

    Worst cases (the official rule), for each ``q`` in ``worst_quantiles``:
    ``mIoU_I_worst{Q}`` is the mean of the lowest
    :math:`\max(1, \lfloor q\,n \rfloor)` image scores
    :math:`\operatorname{mean}_{c \in A_i} \mathrm{IoU}_{i,c}` (``n``
    images); ``mIoU_C_worst{Q}`` is, per class, the mean of its lowest
    :math:`\max(1, \lfloor q\,n_c \rfloor)` values :math:`\mathrm{IoU}_{i,c}`
    over the :math:`n_c` images whose ground truth holds it, then the mean
    over classes (:func:`worst_count` gives the floor exactly as the
    official code computes it). ``Q`` is ``q`` in percent formatted with
    ``:g`` (``q=0.05`` -> ``mIoU_I_worst5``). The averaged worst cases
    ``mIoU_I_worst_avg`` and ``mIoU_C_worst_avg`` (the official ``mIoUIQ``
    and ``mIoUCQ``) are the means of the worst cases at q = 10%, 20%, ...,
    100%. Same for Dice.

    Returned keys (all in percent, rounded to ``decimals``): ``aAcc``,
    ``mIoU``, ``mAcc``, ``mDice``, ``mIoU_I``, ``mIoU_C``, ``mDice_I``,
    ``mDice_C``, the worst-case keys above, and ``IoU.<class name>`` (the
    dataset-level IoU of each class; NaN for a class absent from ground
    truth and prediction, unless ``nan_to_num`` is set). A per-class table
    (IoU, Acc, Dice, IoU_C, Dice_C) is printed to the log as MMSeg does.

    **Beside MMSeg's IoUMetric.** In one MMEngine ``Evaluator`` every key
    must be unique. When the evaluator that evaluates this metric also holds
    an MMSeg ``IoUMetric`` with the same ``prefix``, this metric leaves out
    the keys that ``IoUMetric`` reports (``aAcc`` always, ``mIoU`` and
    ``mAcc`` for its ``'mIoU'``, ``mDice`` and ``mAcc`` for ``'mDice'``):
    they come from ``IoUMetric`` (equal values: both are MMSeg's dataset
    level), and nothing needs configuring. Alone, or beside an
    ``IoUMetric`` with another prefix, it reports every key, ``mIoU``
    included, so ``default_hooks.checkpoint.save_best='mIoU'`` works either
    way. The check looks at the ``Evaluator`` calling :meth:`evaluate`
    (MMEngine's ``Evaluator.evaluate``, used by the Runner's loops); a
    direct call of :meth:`evaluate` reports every key.

    Not implemented: the official code's binary mode (``binary=True``, for
    its medical data sets: per image the foreground IoU only, 1 when neither
    prediction nor ground truth holds foreground). With two classes this
    metric averages both classes present in the ground truth.

    Args:
        ignore_index (int): Ground-truth label of pixels that do not count.
            Defaults to 255.
        worst_quantiles (Sequence[float]): Fractions ``q`` in ``(0, 1]`` of
            the worst-case variants. Defaults to ``(0.05,)`` (the official
            test configs' ``q: 5``); ``()`` disables them.
        worst_average (bool): Also report the averaged worst cases
            (``*_worst_avg``). Defaults to True (the official ``q_bar``).
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
                 worst_quantiles: Sequence[float] = (0.05, ),
                 worst_average: bool = True,
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
        if not isinstance(worst_average, bool):
            raise TypeError(f'expected worst_average to be a bool, got '
                            f'{type(worst_average).__name__}')
        self.worst_average = worst_average
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

    def evaluate(self, size: int) -> dict:
        """Evaluate as :class:`~mmengine.evaluator.BaseMetric` does, leaving
        out the keys that an MMSeg ``IoUMetric`` evaluated by the same
        ``Evaluator`` reports (see the class doc).

        Args:
            size (int): Length of the whole validation dataset.

        Returns:
            dict: The metrics, with ``prefix/`` if a prefix is set.
        """
        shared = self.keys_of_sibling_iou_metrics(self._calling_evaluator())
        metrics = super().evaluate(size)
        if not shared:
            return metrics
        start = len(self.prefix) + 1 if self.prefix else 0
        return {k: v for k, v in metrics.items() if k[start:] not in shared}

    def _calling_evaluator(self) -> Optional[Evaluator]:
        """The MMEngine ``Evaluator`` on the call stack of :meth:`evaluate`
        that holds this metric, if any (its ``evaluate`` is a caller)."""
        frame = sys._getframe(1)
        for _ in range(8):  # evaluate's callers, a few wrappers deep
            frame = frame.f_back
            if frame is None:
                return None
            owner = frame.f_locals.get('self')
            if isinstance(owner, Evaluator) and any(
                    m is self for m in owner.metrics):
                return owner
        return None

    def keys_of_sibling_iou_metrics(
            self, evaluator: Optional[Evaluator]) -> FrozenSet[str]:
        """Keys (without prefix) that MMSeg ``IoUMetric`` instances of
        ``evaluator`` with this metric's prefix report.

        Args:
            evaluator (Evaluator, optional): The evaluator holding this
                metric; None (no evaluator) gives the empty set.

        Returns:
            frozenset[str]: Keys this metric must leave out.
        """
        if evaluator is None:
            return frozenset()
        keys = set()
        for metric in evaluator.metrics:
            if (isinstance(metric, IoUMetric) and metric.prefix == self.prefix
                    and not metric.format_only):
                for name in metric.metrics:
                    keys.update(IOU_METRIC_KEYS.get(name, ()))
        return frozenset(keys)

    def _fix_nan(self, x: np.ndarray) -> np.ndarray:
        if self.nan_to_num is None:
            return x
        return np.nan_to_num(x, nan=self.nan_to_num)

    def _worst_cases(self, per_image: np.ndarray, per_pair: np.ndarray,
                     q: float) -> Tuple[float, float]:
        """Image- and class-level worst cases at fraction ``q`` (fractions,
        NaN where nothing is defined)."""
        worst_i = _worst_mean(per_image, q)
        per_class = np.array([
            _worst_mean(per_pair[:, c], q, per_class=True)
            for c in range(per_pair.shape[1])
        ])
        return worst_i, float(_nanmean(self._fix_nan(per_class)))

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

        # Image x class level, on the classes of each image's ground truth
        # (the official active classes); NaN elsewhere.
        active = area_label > 0
        iou_ic = np.where(active, _div(inter, union), np.nan)
        dice_ic = np.where(active, _div(2 * inter, pred_plus_label), np.nan)
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
        scores = (('mIoU', iou_i, iou_ic), ('mDice', dice_i, dice_ic))
        for q in self.worst_quantiles:
            tag = quantile_tag(q)
            for name, per_image, per_pair in scores:
                worst_i, worst_c = self._worst_cases(per_image, per_pair, q)
                metrics[f'{name}_I_worst{tag}'] = percent(worst_i, d)
                metrics[f'{name}_C_worst{tag}'] = percent(worst_c, d)
        if self.worst_average:
            for name, per_image, per_pair in scores:
                worst = np.array([
                    self._worst_cases(per_image, per_pair, q)
                    for q in AVERAGED_QUANTILES
                ])
                metrics[f'{name}_I_worst_avg'] = percent(
                    worst[:, 0].mean(), d)
                metrics[f'{name}_C_worst_avg'] = percent(
                    worst[:, 1].mean(), d)
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
