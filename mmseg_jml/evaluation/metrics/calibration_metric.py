"""Pixel-wise calibration of a segmentation model: ECE, BECE, SCE, BSCE."""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, List, Literal, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from torch import Tensor

from mmseg.registry import METRICS
from mmseg_jml.utils.boundary import boundary_mask
from ._common import (MissingDataError, check_decimals, check_int,
                      check_labels, class_names, label_map, percent,
                      pixel_data)

__all__ = ['CalibrationMetric', 'bin_index']

#: The four pixel sets / kinds of statistics a processed image contributes.
_PARTS = ('top', 'top_boundary', 'class', 'class_boundary')

_SEG_LOGITS_HELP = (
    'CalibrationMetric reads the class probabilities from "seg_logits" in '
    'each data sample. MMSeg\'s segmentors store them there in predict() '
    '(BaseSegmentor.postprocess_result, used by every EncoderDecoder and '
    'CascadeEncoderDecoder model, and by SegTTAModel with tta_model in the '
    'config); use the metric in val_evaluator/test_evaluator of such a '
    'segmentor, or, for another model, have its predict() set '
    'data_sample.seg_logits = PixelData(data=logits) of shape (C, H, W) '
    'at the label resolution.')


def bin_index(values: Tensor, num_bins: int) -> Tensor:
    """Equal-width bin of each value in ``[0, 1]``.

    The edges are ``torch.linspace(0, 1, num_bins + 1)`` in float32 and the
    bins are closed on the left, ``[e_b, e_{b+1})``, as in torchmetrics'
    calibration errors; the last bin also holds 1.0 (torchmetrics puts a
    confidence of exactly 1.0 into an extra bin of its own, the only case in
    which the two differ).

    Args:
        values (Tensor): Probabilities, any shape.
        num_bins (int): Number of bins (``>= 1``).

    Returns:
        Tensor: Long tensor of the shape of ``values`` with bins in
        ``[0, num_bins)``.
    """
    values = values.to(torch.float32)
    edges = torch.linspace(
        0, 1, num_bins + 1, dtype=torch.float32, device=values.device)
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
    """Sum sparse ``(bins, count, conf, hit)`` entries into a ``(3, size)``
    float64 array of count, confidence sum and hit sum."""
    total = np.zeros((3, size), dtype=np.float64)
    for used, count, conf, hit in parts:
        np.add.at(total[0], used, count)
        np.add.at(total[1], used, conf)
        np.add.at(total[2], used, hit)
    return total


def _calibration_error(total: np.ndarray) -> float:
    """:math:`\\sum_b |H_b - S_b| / N` of a ``(3, ..., bins)`` array of count
    ``n_b``, confidence sum ``S_b`` and hit sum ``H_b``, averaged over the
    leading group axis if there is one. NaN when there is no pixel."""
    count, conf, hit = total
    n = count.reshape(-1, count.shape[-1]).sum(-1)[0]
    if n == 0:
        return float('nan')
    per_group = np.abs(hit - conf).sum(-1) / n
    return float(np.mean(per_group))


@METRICS.register_module()
class CalibrationMetric(BaseMetric):
    """Expected and static calibration errors, over all and boundary pixels.

    The probabilities are the softmax (in float32) of the ``seg_logits`` that
    MMSeg's ``predict`` stores in each data sample. Only pixels whose ground
    truth is not ``ignore_index`` count; boundary pixels are those of
    :func:`mmseg_jml.utils.boundary.boundary_mask` on the ground truth (the
    definition used by boundary label smoothing), with ``boundary_kernel_size``.

    Confidences are binned into ``num_bins`` equal-width bins on ``[0, 1]``
    (:func:`bin_index`: left-closed bins with float32 edges
    ``linspace(0, 1, num_bins + 1)``, as torchmetrics; 1.0 goes into the last
    bin). For a bin ``b`` with :math:`n_b` pixels, mean confidence
    :math:`\\mathrm{conf}_b` and accuracy :math:`\\mathrm{acc}_b`, over
    :math:`N` pixels:

    .. math::

        \\mathrm{ECE} = \\sum_{b} \\frac{n_b}{N}
            \\left|\\mathrm{acc}_b - \\mathrm{conf}_b\\right|

    with the top-label confidence :math:`\\max_c p_c` and accuracy
    :math:`[\\arg\\max_c p_c = y]` (the arg-max of the probabilities; with
    ``C > 1`` this is MMSeg's ``pred_sem_seg``). The static calibration error
    (Nixon et al., 2019) bins every class probability :math:`p_c` of every
    pixel and scores "the label is ``c``":

    .. math::

        \\mathrm{SCE} = \\frac{1}{C} \\sum_{c=1}^{C} \\sum_{b}
            \\frac{n_{c,b}}{N}
            \\left|\\mathrm{acc}_{c,b} - \\mathrm{conf}_{c,b}\\right|

    ``BECE`` and ``BSCE`` are ECE and SCE over the boundary pixels only.

    State: per image, the non-empty bins with their pixel count, float64 sum
    of confidences and count of hits (``num_bins`` top-label bins and
    ``C x num_bins`` class-wise bins, for all and boundary pixels), never
    per-pixel values. Images are summed in :meth:`compute_metrics`, so
    results under MMEngine's distributed collection (which drops the
    padding duplicates of the sampler) equal those of one process.

    Returned keys, in percent (``100 x`` the errors above, rounded to
    ``decimals``): ``ECE``, ``BECE``, ``SCE``, ``BSCE``. A value is NaN when
    its pixel set is empty (e.g. ``BECE`` on data without boundaries).

    Args:
        num_bins (int): Number of equal-width bins (``>= 1``). Defaults to 15.
        boundary_kernel_size (int): Odd window size of the boundary
            definition. Defaults to 3 (boundary label smoothing's default).
        ignore_index (int): Ground-truth label of pixels that do not count.
            Defaults to 255.
        class_wise (bool): Also compute ``SCE`` and ``BSCE`` (state grows
            with classes x bins). Defaults to True.
        input_type (Literal['logits', 'probs']): ``'logits'`` (the default)
            applies a softmax over the class axis of ``seg_logits``;
            ``'probs'`` takes them as probabilities (what MMSeg's
            ``SegTTAModel`` stores). A single-channel ``seg_logits`` (binary
            segmentation, ``out_channels=1``) is always taken as the
            probability of class 1, because MMSeg stores it after the
            sigmoid.
        reliability_diagram (bool): Save a reliability diagram (all and
            boundary pixels) as ``reliability_diagram.png`` (with the prefix
            before it if one is set) when the metrics are computed. Defaults
            to False.
        reliability_diagram_dir (str, optional): Directory of the diagram.
            If None, the directory of the current MMEngine log file (the
            Runner's ``<work_dir>/<timestamp>/``, beside the metrics json).
        decimals (int, optional): Rounding of the returned percentages.
            Defaults to 4; None returns them unrounded.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names. Defaults to None.
        collect_dir (str, optional): Directory used to collect results across
            ranks when ``collect_device='cpu'``. Defaults to None.
    """

    def __init__(self,
                 num_bins: int = 15,
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

    def probabilities(self, seg_logits: Tensor, num_classes: int) -> Tensor:
        """Class probabilities ``(C, H, W)`` float32 from ``seg_logits``.

        Args:
            seg_logits (Tensor): ``(C, H, W)`` logits (or probabilities, see
                ``input_type``), or ``(1, H, W)`` probabilities of class 1
                when ``num_classes == 2``.
            num_classes (int): Number of classes of the dataset.

        Returns:
            Tensor: Probabilities summing to 1 over the first axis.
        """
        if seg_logits.ndim != 3:
            raise ValueError(f'expected seg_logits of shape (C, H, W), got '
                             f'{tuple(seg_logits.shape)}')
        x = seg_logits.to(torch.float32)
        if x.shape[0] == 1 and num_classes == 2:
            return torch.cat([1 - x, x], dim=0)
        if x.shape[0] != num_classes:
            raise ValueError(
                f'expected seg_logits with {num_classes} classes (the length '
                f"of dataset_meta['classes']) on the first axis, got "
                f'{x.shape[0]} (shape {tuple(seg_logits.shape)})')
        if self.input_type == 'logits':
            x = x.softmax(dim=0)
        return x

    def image_stats(self, probs: Tensor, label: Tensor
                    ) -> Dict[str, Tuple[np.ndarray, ...]]:
        """Binned statistics of one image.

        Args:
            probs (Tensor): ``(C, H, W)`` probabilities.
            label (Tensor): ``(H, W)`` ground truth.

        Returns:
            dict: For each of ``'top'``, ``'top_boundary'`` (and
            ``'class'``, ``'class_boundary'`` when ``class_wise``), a sparse
            tuple ``(bins, count, confidence sum, hit sum)`` of the non-empty
            bins; class-wise bins are flattened as ``c * num_bins + b``.
        """
        num_classes = probs.shape[0]
        if probs.shape[1:] != label.shape:
            raise ValueError(
                f'expected seg_logits (C, H, W) and gt_sem_seg (H, W) of the '
                f'same H, W, got {tuple(probs.shape)} and '
                f'{tuple(label.shape)}')
        check_labels('gt_sem_seg', label, num_classes, self.ignore_index)
        counted = label != self.ignore_index
        boundary = boundary_mask(label[None], num_classes,
                                 self.boundary_kernel_size,
                                 self.ignore_index)[0]
        out = {}
        for suffix, mask in (('', counted), ('_boundary', boundary)):
            p = probs[:, mask]  # (C, M)
            y = label[mask]
            conf, pred = p.max(dim=0)
            out['top' + suffix] = _sparse(
                bin_index(conf, self.num_bins), self.num_bins,
                (conf, (pred == y).to(conf.dtype)))
            if self.class_wise:
                nb = self.num_bins
                offset = torch.arange(
                    num_classes, device=p.device).unsqueeze(1) * nb
                index = (bin_index(p, nb) + offset).reshape(-1)
                used, count, conf_sum = _sparse(index, num_classes * nb,
                                                (p.reshape(-1), ))
                # Hits: the bin of p_y of each pixel, in class y's row.
                true_bin = index.view(num_classes, -1).gather(
                    0, y.unsqueeze(0)).squeeze(0)
                hits = torch.bincount(true_bin, minlength=num_classes * nb)
                hit = hits[torch.as_tensor(used, device=hits.device)]
                out['class' + suffix] = (used, count, conf_sum,
                                         hit.cpu().numpy().astype(np.int64))
        return out

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Store the binned statistics of every image of the batch.

        Args:
            data_batch (dict): A batch from the dataloader (unused).
            data_samples (Sequence[dict]): Outputs of the model, each with
                ``seg_logits`` and ``gt_sem_seg``.
        """
        num_classes = len(class_names(self.dataset_meta))
        for data_sample in data_samples:
            if 'seg_logits' not in data_sample:
                raise MissingDataError(
                    f'expected "seg_logits" in the data sample, got keys '
                    f'{sorted(data_sample.keys())}. {_SEG_LOGITS_HELP}')
            probs = self.probabilities(
                pixel_data(data_sample, 'seg_logits'), num_classes)
            label = label_map(data_sample, 'gt_sem_seg').to(probs.device)
            self.results.append(self.image_stats(probs, label))

    def compute_metrics(self, results: List[Dict[str, Tuple[np.ndarray, ...]]]
                        ) -> Dict[str, float]:
        """Sum the per-image bins and compute the errors.

        Args:
            results (list[dict]): Outputs of :meth:`image_stats`.

        Returns:
            dict[str, float]: ``ECE``, ``BECE`` (and ``SCE``, ``BSCE``), in
            percent.
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
                total.reshape(3, num_classes, nb)
        d = self.decimals
        metrics: Dict[str, float] = OrderedDict()
        metrics['ECE'] = percent(_calibration_error(totals['top']), d)
        metrics['BECE'] = percent(
            _calibration_error(totals['top_boundary']), d)
        if self.class_wise:
            metrics['SCE'] = percent(_calibration_error(totals['class']), d)
            metrics['BSCE'] = percent(
                _calibration_error(totals['class_boundary']), d)
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
