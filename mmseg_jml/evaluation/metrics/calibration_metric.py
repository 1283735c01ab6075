"""Pixel-wise calibration of a segmentation model: ECE, BECE, SCE, BSCE."""
import logging
import os
import os.path as osp
from collections import OrderedDict
from typing import (Dict, List, Literal, Mapping, Optional, Sequence,
                    Tuple)

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from torch import Tensor

from mmseg.registry import METRICS
from mmseg_jml.utils.boundary import boundary_mask
from ._common import (MissingDataError, check_decimals, check_int,
                      check_labels, class_names, label_map, percent,
                      permille, pixel_data)

__all__ = ['CalibrationMetric', 'bin_index']

#: The four pixel sets / kinds of statistics a processed image contributes.
_PARTS = ('top', 'top_boundary', 'class', 'class_boundary')

#: Tolerances of the ``input_type='probs'`` check: values in
#: ``[-PROB_ATOL, 1 + PROB_ATOL]`` and class sums within ``SUM_ATOL`` of 1
#: (float16 storage of C probabilities is off by at most ~5e-4 in the sum).
PROB_ATOL = 1e-6
SUM_ATOL = 1e-3

_SEG_LOGITS_HELP = (
    'CalibrationMetric reads the class probabilities from "seg_logits" in '
    'each data sample. MMSeg\'s segmentors store them there in predict() '
    '(BaseSegmentor.postprocess_result, used by every EncoderDecoder and '
    'CascadeEncoderDecoder model); use the metric in '
    'val_evaluator/test_evaluator of such a segmentor, or, for another '
    'model, have its predict() set data_sample.seg_logits = '
    'PixelData(data=logits) of shape (C, H, W) at the label resolution.')

_TTA_HELP = (
    "MMSeg's SegTTAModel merges the views' probabilities into pred_sem_seg "
    'only: the seg_logits it leaves in the data sample are the raw logits '
    'of the last augmented view. CalibrationMetric then measures that one '
    'view (input_type=\'logits\'); evaluate calibration without TTA (the '
    'paper applies none)')


def bin_index(values: Tensor, num_bins: int) -> Tensor:
    """Equal-width bin of each value in ``[0, 1]``.

    The bins of the official code (``metrics/ece_metric.py`` and
    ``sce_metric.py`` of zifuwanggg/JDTLosses): left edges
    ``torch.linspace(0, 1 - 1 / num_bins, num_bins)`` in float32 and
    ``torch.bucketize(..., right=True) - 1``, i.e. bins closed on the left,
    ``[e_b, e_{b+1})``, the last one holding 1.0. (torchmetrics' edges
    ``linspace(0, 1, num_bins + 1)`` differ from these by one float32 ulp at
    some edges, and it puts a confidence of exactly 1.0 into a bin of its
    own.)

    Args:
        values (Tensor): Probabilities, any shape.
        num_bins (int): Number of bins (``>= 1``).

    Returns:
        Tensor: Long tensor of the shape of ``values`` with bins in
        ``[0, num_bins)``.
    """
    values = values.to(torch.float32)
    edges = torch.linspace(
        0., 1. - 1. / num_bins, num_bins, dtype=torch.float32,
        device=values.device)
    index = torch.bucketize(values, edges, right=True) - 1
    return index.clamp_(0, num_bins - 1)


def _sparse(index: Tensor, size: int, weights: Sequence[Tensor]
            ) -> Tuple[np.ndarray, ...]:
    """Sparse bin counts: ``(bins, count, *weighted sums)`` of the non-empty
    bins, counts int64 and sums float64."""
    count = torch.bincount(index, minlength=size)
    used = torch.nonzero(count).squeeze(1)
    out = [used.cpu().numpy().astype(np.int64),
           count[used].cpu().numpy().astype(np.int64)]
    for w in weights:
        sums = torch.bincount(index, weights=w.to(torch.float64),
                              minlength=size)
        out.append(sums[used].cpu().numpy())
    return tuple(out)


def _dense(parts: List[Tuple[np.ndarray, ...]], size: int) -> np.ndarray:
    """Sum sparse ``(bins, count, *sums)`` entries into a ``(1 + len(sums),
    size)`` float64 array (count first)."""
    rows = len(parts[0]) - 1
    total = np.zeros((rows, size), dtype=np.float64)
    for used, *values in parts:
        for row, value in enumerate(values):
            np.add.at(total[row], used, value)
    return total


def _calibration_error(count: np.ndarray, conf: np.ndarray,
                       hit: np.ndarray) -> float:
    r""":math:`\sum_b |H_b - S_b| / N` of arrays ``(..., bins)`` of pixel
    count ``n_b``, confidence sum ``S_b`` and hit sum ``H_b`` (``N`` the
    group's pixels), averaged over the leading group axis if there is one.
    NaN when there is no pixel."""
    count = count.reshape(-1, count.shape[-1])
    gap = np.abs(hit - conf).reshape(count.shape)
    n = count.sum(-1)
    if not n.all():
        return float('nan')
    return float(np.mean(gap.sum(-1) / n))


@METRICS.register_module()
class CalibrationMetric(BaseMetric):
    r"""Expected and static calibration errors, over all and boundary pixels.

    The probabilities are the softmax (in float32) of the ``seg_logits`` that
    MMSeg's ``predict`` stores in each data sample. Only pixels whose ground
    truth is not ``ignore_index`` count; boundary pixels are those of
    :func:`mmseg_jml.utils.boundary.boundary_mask` on the ground truth (the
    definition used by boundary label smoothing: a pixel whose window holds
    an ignored pixel is never a boundary pixel), with
    ``boundary_kernel_size``.

    Confidences are binned into ``num_bins`` equal-width bins on ``[0, 1]``
    (:func:`bin_index`, the official code's bins). For a bin ``b`` with
    :math:`n_b` pixels, mean confidence :math:`\mathrm{conf}_b` and accuracy
    :math:`\mathrm{acc}_b`, over :math:`N` pixels:

    .. math::

        \mathrm{ECE} = \sum_{b} \frac{n_b}{N}
            \left|\mathrm{acc}_b - \mathrm{conf}_b\right|

    with the predicted class :math:`\hat y` (the arg-max of the
    probabilities, MMSeg's ``pred_sem_seg``), its probability as the
    confidence, and accuracy :math:`[\hat y = y]`. The static calibration
    errors bin every class probability :math:`p_c` of every pixel; they
    differ in what counts as a hit of class ``c``:

    .. math::

        \mathrm{SCE} = \frac{1}{|K|} \sum_{c \in K} \sum_{b}
            \frac{n_{c,b}}{N}
            \left|\mathrm{acc}_{c,b} - \mathrm{conf}_{c,b}\right|

    - ``SCE`` (the paper's Table 15, the official code's ``SCEMetric`` in
      ``metrics/sce_metric.py`` of zifuwanggg/JDTLosses): a hit of class
      ``c`` is a pixel labelled ``c`` **and** predicted ``c``; ``K`` is
      every class, or only class 1 when there are two classes (the
      foreground of a binary task).
    - ``SCE_nixon`` (Nixon et al., "Measuring Calibration in Deep
      Learning", CVPR-W 2019): a hit of class ``c`` is a pixel labelled
      ``c``; ``K`` is every class.

    ``BECE``, ``BSCE`` and ``BSCE_nixon`` are the same errors over the
    boundary pixels only.

    **Units** (as the paper's Table 15): ``ECE`` and ``BECE`` in percent
    (``100 x``), the three SCE keys in per mille (``1000 x``).

    **Binary models with one output channel.** MMSeg stores the sigmoid
    probability of class 1 in ``seg_logits`` and predicts class 1 where it
    exceeds the decode head's ``threshold`` (0.3 unless set). The metric
    takes the prediction from the data sample's ``pred_sem_seg``, so that
    it is MMSeg's thresholded prediction, with confidence :math:`p` where
    class 1 is predicted and :math:`1 - p` elsewhere.

    **Test-time augmentation.** MMSeg's ``SegTTAModel`` averages the views'
    probabilities into ``pred_sem_seg`` only; the ``seg_logits`` left in the
    data sample are the raw logits of the *last* view. With
    ``input_type='logits'`` the metric therefore measures the calibration
    of that single view, not of the merged prediction; it warns once when
    ``pred_sem_seg`` disagrees with the arg-max of ``seg_logits``.
    ``input_type='probs'`` rejects such logits. Calibration of a TTA
    ensemble needs a TTA model that stores the merged probabilities in
    ``seg_logits``; the paper evaluates without TTA.

    State: per image, the non-empty bins with their pixel count, float64 sum
    of confidences and count of hits (``num_bins`` top-label bins and
    ``C x num_bins`` class-wise bins, for all and boundary pixels), never
    per-pixel values. Images are summed in :meth:`compute_metrics`, so
    results under MMEngine's distributed collection (which drops the
    padding duplicates of the sampler) equal those of one process.

    Returned keys (rounded to ``decimals``): ``ECE``, ``BECE``, ``SCE``,
    ``BSCE``, ``SCE_nixon``, ``BSCE_nixon``. A value is NaN when its pixel
    set is empty (e.g. ``BECE`` on data without boundaries).

    Args:
        num_bins (int): Number of equal-width bins (``>= 1``). Defaults to 10
            (the official test configs).
        boundary_kernel_size (int): Odd window size of the boundary
            definition. Defaults to 3 (boundary label smoothing's default).
        ignore_index (int): Ground-truth label of pixels that do not count.
            Defaults to 255.
        class_wise (bool): Also compute the SCE keys (state grows with
            classes x bins). Defaults to True.
        input_type (Literal['logits', 'probs']): ``'logits'`` (the default,
            what MMSeg's segmentors store) applies a softmax over the class
            axis of ``seg_logits``; ``'probs'`` takes them as probabilities
            and raises ``ValueError`` unless they lie in ``[0, 1]`` and sum
            to 1 over the class axis. A single-channel ``seg_logits``
            (binary segmentation, ``out_channels=1``) is always taken as the
            probability of class 1 (MMSeg stores it after the sigmoid) and
            must lie in ``[0, 1]``.
        reliability_diagram (bool): Save a reliability diagram (all and
            boundary pixels) as ``reliability_diagram.png`` (with the prefix
            before it if one is set) when the metrics are computed. Defaults
            to False.
        reliability_diagram_dir (str, optional): Directory of the diagram.
            If None, the directory of the current MMEngine log file (the
            Runner's ``<work_dir>/<timestamp>/``, beside the metrics json).
        decimals (int, optional): Rounding of the returned values. Defaults
            to 4; None returns them unrounded.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None.
        collect_dir (str, optional): Directory used to collect results across
            ranks when ``collect_device='cpu'``. Defaults to None.
    """

    def __init__(self,
                 num_bins: int = 10,
                 boundary_kernel_size: int = 3,
                 ignore_index: int = 255,
                 class_wise: bool = True,
                 input_type: Literal['logits', 'probs'] = 'logits',
                 reliability_diagram: bool = False,
                 reliability_diagram_dir: Optional[str] = None,
                 decimals: Optional[int] = 4,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        self.num_bins = check_int('num_bins', num_bins, minimum=1)
        self.boundary_kernel_size = check_int(
            'boundary_kernel_size', boundary_kernel_size, minimum=1)
        if self.boundary_kernel_size % 2 == 0:
            raise ValueError(f'expected an odd boundary_kernel_size, got '
                             f'{boundary_kernel_size}')
        self.ignore_index = check_int('ignore_index', ignore_index)
        for name, value in (('class_wise', class_wise),
                            ('reliability_diagram', reliability_diagram)):
            if not isinstance(value, bool):
                raise TypeError(f'expected {name} to be a bool, got '
                                f'{type(value).__name__}')
        self.class_wise = class_wise
        if input_type not in ('logits', 'probs'):
            raise ValueError(f"expected input_type 'logits' or 'probs', got "
                             f'{input_type!r}')
        self.input_type = input_type
        self.reliability_diagram = reliability_diagram
        if reliability_diagram_dir is not None and not isinstance(
                reliability_diagram_dir, (str, os.PathLike)):
            raise TypeError(f'expected reliability_diagram_dir to be a path '
                            f'or None, got '
                            f'{type(reliability_diagram_dir).__name__}')
        self.reliability_diagram_dir = reliability_diagram_dir
        self.decimals = check_decimals(decimals)
        self._warned_disagreement = False

    @staticmethod
    def _check_probs(x: Tensor, what: str, class_axis: bool) -> None:
        """Raise ``ValueError`` unless ``x`` lies in ``[0, 1]`` (and sums to
        1 over the first axis when ``class_axis``)."""
        finite = bool(torch.isfinite(x).all())
        low, high = float(x.min()), float(x.max())
        ok = finite and low >= -PROB_ATOL and high <= 1 + PROB_ATOL
        sums = x.sum(dim=0) if class_axis else None
        if ok and sums is not None:
            ok = bool(((sums - 1).abs() <= SUM_ATOL).all())
        if ok:
            return
        got = f'values in [{low:.4g}, {high:.4g}]'
        if sums is not None:
            got += (f' and class sums in [{float(sums.min()):.4g}, '
                    f'{float(sums.max()):.4g}]')
        if not finite:
            got = 'non-finite values'
        raise ValueError(f'expected {what}, got {got}. {_TTA_HELP}; with '
                         "raw logits use input_type='logits'.")

    def probabilities(self, seg_logits: Tensor, num_classes: int) -> Tensor:
        """Class probabilities ``(C, H, W)`` float32 from ``seg_logits``.

        Args:
            seg_logits (Tensor): ``(C, H, W)`` logits (or probabilities, see
                ``input_type``), or ``(1, H, W)`` probabilities of class 1
                when ``num_classes == 2``.
            num_classes (int): Number of classes of the dataset.

        Returns:
            Tensor: Probabilities summing to 1 over the first axis.

        Raises:
            ValueError: On a wrong shape or class count, or probabilities
                (``input_type='probs'``, or a single channel) outside
                ``[0, 1]`` or not summing to 1.
        """
        if seg_logits.ndim != 3:
            raise ValueError(f'expected seg_logits of shape (C, H, W), got '
                             f'{tuple(seg_logits.shape)}')
        x = seg_logits.to(torch.float32)
        if x.shape[0] == 1 and num_classes == 2:
            if x.numel():
                self._check_probs(
                    x, 'a single-channel seg_logits to hold the sigmoid '
                    'probability of class 1 in [0, 1] (MMSeg stores it so)',
                    class_axis=False)
            return torch.cat([1 - x, x], dim=0)
        if x.shape[0] != num_classes:
            raise ValueError(
                f'expected seg_logits with {num_classes} classes (the length '
                f"of dataset_meta['classes']) on the first axis, got "
                f'{x.shape[0]} (shape {tuple(seg_logits.shape)})')
        if self.input_type == 'logits':
            return x.softmax(dim=0)
        if x.numel():
            self._check_probs(
                x, "probabilities in [0, 1] summing to 1 over the class axis "
                "(input_type='probs')", class_axis=True)
        return x

    def prediction(self, probs: Tensor, data_sample: Mapping,
                   single_channel: bool) -> Tensor:
        """The predicted class ``(H, W)`` of one image.

        The arg-max of ``probs``; for a single-channel ``seg_logits`` the
        data sample's ``pred_sem_seg`` (MMSeg's prediction at the decode
        head's ``threshold``).

        Args:
            probs (Tensor): ``(C, H, W)`` probabilities.
            data_sample (Mapping): The data sample (``pred_sem_seg`` is read
                if present).
            single_channel (bool): Whether ``seg_logits`` had one channel.

        Returns:
            Tensor: Long ``(H, W)`` predicted classes.
        """
        pred = probs.argmax(dim=0)
        if single_channel:
            if 'pred_sem_seg' not in data_sample:
                raise MissingDataError(
                    'expected "pred_sem_seg" in the data sample with a '
                    'single-channel seg_logits: MMSeg predicts class 1 '
                    "above the decode head's threshold, and the metric "
                    'takes that prediction from pred_sem_seg, got keys '
                    f'{sorted(data_sample.keys())}')
            stored = label_map(data_sample, 'pred_sem_seg').to(pred.device)
            if stored.shape != pred.shape:
                raise ValueError(
                    f'expected pred_sem_seg of the seg_logits size '
                    f'{tuple(pred.shape)}, got {tuple(stored.shape)}')
            check_labels('pred_sem_seg', stored, 2, None)
            return stored
        if 'pred_sem_seg' in data_sample and not self._warned_disagreement:
            stored = label_map(data_sample, 'pred_sem_seg').to(pred.device)
            if stored.shape == pred.shape:
                differ = int((stored != pred).sum())
                if differ:
                    self._warned_disagreement = True
                    print_log(
                        f'CalibrationMetric: pred_sem_seg differs from the '
                        f'arg-max of seg_logits at {differ} of '
                        f'{pred.numel()} pixels, so seg_logits are not the '
                        f'probabilities behind the prediction. {_TTA_HELP}.',
                        'current', level=logging.WARNING)
        return pred

    def image_stats(self, probs: Tensor, label: Tensor,
                    pred: Optional[Tensor] = None
                    ) -> Dict[str, Tuple[np.ndarray, ...]]:
        """Binned statistics of one image.

        Args:
            probs (Tensor): ``(C, H, W)`` probabilities.
            label (Tensor): ``(H, W)`` ground truth.
            pred (Tensor, optional): ``(H, W)`` predicted classes; None for
                the arg-max of ``probs``.

        Returns:
            dict: For each of ``'top'``, ``'top_boundary'``, a sparse tuple
            ``(bins, count, confidence sum, hit sum)`` of the non-empty
            bins; with ``class_wise``, for ``'class'`` and
            ``'class_boundary'``, ``(bins, count, probability sum, hits of
            "labelled c", hits of "labelled and predicted c")``, class-wise
            bins flattened as ``c * num_bins + b``.
        """
        num_classes = probs.shape[0]
        if probs.shape[1:] != label.shape:
            raise ValueError(
                f'expected seg_logits (C, H, W) and gt_sem_seg (H, W) of the '
                f'same H, W, got {tuple(probs.shape)} and '
                f'{tuple(label.shape)}')
        check_labels('gt_sem_seg', label, num_classes, self.ignore_index)
        if pred is None:
            pred = probs.argmax(dim=0)
        counted = label != self.ignore_index
        boundary = boundary_mask(label[None], num_classes,
                                 self.boundary_kernel_size,
                                 self.ignore_index)[0]
        out = {}
        nb = self.num_bins
        for suffix, mask in (('', counted), ('_boundary', boundary)):
            p = probs[:, mask]  # (C, M)
            y = label[mask]
            y_hat = pred[mask]
            conf = p.gather(0, y_hat.unsqueeze(0)).squeeze(0)
            out['top' + suffix] = _sparse(
                bin_index(conf, nb), nb, (conf, (y_hat == y).to(conf.dtype)))
            if self.class_wise:
                offset = torch.arange(
                    num_classes, device=p.device).unsqueeze(1) * nb
                index = (bin_index(p, nb) + offset).reshape(-1)
                used, count, conf_sum = _sparse(index, num_classes * nb,
                                                (p.reshape(-1), ))
                # Hits: the bin of p_y of each pixel, in class y's row.
                true_bin = index.view(num_classes, -1).gather(
                    0, y.unsqueeze(0)).squeeze(0)
                used_t = torch.as_tensor(used, device=index.device)
                hits = []
                for bins in (true_bin, true_bin[y_hat == y]):
                    h = torch.bincount(bins, minlength=num_classes * nb)
                    hits.append(h[used_t].cpu().numpy().astype(np.int64))
                out['class' + suffix] = (used, count, conf_sum, *hits)
        return out

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store the binned statistics of every image of the batch.

        Args:
            data_batch (dict): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Outputs of the model, each with
                ``seg_logits`` and ``gt_sem_seg`` (and ``pred_sem_seg`` for a
                single-channel ``seg_logits``).
        """
        num_classes = len(class_names(self.dataset_meta))
        for data_sample in data_samples:
            if 'seg_logits' not in data_sample:
                raise MissingDataError(
                    f'expected "seg_logits" in the data sample, got keys '
                    f'{sorted(data_sample.keys())}. {_SEG_LOGITS_HELP}')
            seg_logits = pixel_data(data_sample, 'seg_logits')
            probs = self.probabilities(seg_logits, num_classes)
            label = label_map(data_sample, 'gt_sem_seg').to(probs.device)
            pred = self.prediction(probs, data_sample,
                                   single_channel=seg_logits.shape[0] == 1)
            self.results.append(self.image_stats(probs, label, pred))

    def compute_metrics(self, results: List[Dict[str, Tuple[np.ndarray, ...]]]
                        ) -> Dict[str, float]:
        """Sum the per-image bins and compute the errors.

        Args:
            results (list[dict]): Outputs of :meth:`image_stats`.

        Returns:
            dict[str, float]: ``ECE``, ``BECE`` in percent (and ``SCE``,
            ``BSCE``, ``SCE_nixon``, ``BSCE_nixon`` in per mille).
        """
        num_classes = len(class_names(self.dataset_meta))
        if len(results) == 0:
            raise ValueError('expected at least one processed image, got 0')
        nb = self.num_bins
        totals = {}
        for part in _PARTS:
            if part.startswith('class') and not self.class_wise:
                continue
            size = nb if part.startswith('top') else num_classes * nb
            total = _dense([r[part] for r in results], size)
            totals[part] = total if part.startswith('top') else \
                total.reshape(-1, num_classes, nb)
        d = self.decimals
        metrics: Dict[str, float] = OrderedDict()
        for key, part in (('ECE', 'top'), ('BECE', 'top_boundary')):
            metrics[key] = percent(_calibration_error(*totals[part]), d)
        if self.class_wise:
            # The official SCE averages class 1 only in a two-class task.
            official = slice(1, 2) if num_classes == 2 else slice(None)
            for key, part in (('SCE', 'class'), ('BSCE', 'class_boundary')):
                count, conf, hit_label, hit_both = totals[part]
                metrics[key] = permille(
                    _calibration_error(count[official], conf[official],
                                       hit_both[official]), d)
                metrics[key + '_nixon'] = permille(
                    _calibration_error(count, conf, hit_label), d)
        if self.reliability_diagram:
            path = self._diagram_path()
            if path is not None:
                from mmseg_jml.evaluation.reliability_diagram import \
                    save_reliability_diagram
                save_reliability_diagram(
                    path, {
                        'all pixels': totals['top'],
                        'boundary pixels': totals['top_boundary']
                    },
                    ece={
                        'all pixels': metrics['ECE'],
                        'boundary pixels': metrics['BECE']
                    })
                print_log(f'reliability diagram saved to {path}', 'current')
        return metrics

    def _diagram_path(self) -> Optional[str]:
        directory = self.reliability_diagram_dir
        if directory is None:
            log_file = getattr(MMLogger.get_current_instance(), 'log_file',
                               None)
            if not log_file:
                print_log(
                    'reliability_diagram=True but neither '
                    'reliability_diagram_dir is set nor is a log file open '
                    '(no Runner): the diagram is not saved', 'current',
                    level=30)
                return None
            directory = osp.dirname(osp.abspath(log_file))
        os.makedirs(directory, exist_ok=True)
        name = 'reliability_diagram.png'
        if self.prefix:
            name = f'{self.prefix.replace("/", "_")}_{name}'
        return osp.join(directory, name)
