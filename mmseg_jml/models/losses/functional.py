r"""Functional core of the Jaccard metric losses: the one copy of the math.

Reference: Zifu Wang, Xuefei Ning, Matthew B. Blaschko, "Jaccard Metric
Losses: Optimizing the Jaccard Index with Soft Labels", NeurIPS 2023.

Notation. For an image and a class :math:`c`, :math:`x` holds the predicted
probabilities of :math:`c` (softmax over classes) at the pixels, :math:`y`
the target of :math:`c` (hard 0/1 or soft in :math:`[0, 1]`) and :math:`w`
the pixel weights (0 for pixels that do not count).

Pixel weights are a measure on the pixels: every cardinality is a
:math:`w`-weighted sum, :math:`\sum_p w_p f(x_p, y_p)`, the product terms
included (:math:`\langle x, y \rangle_w = \sum_p w_p x_p y_p` and
:math:`|x|_{2,w}^2 = \sum_p w_p x_p^2`; a weight is never applied twice).
Hence a uniform weight :math:`\lambda` multiplies every statistic by
:math:`\lambda` (with ``smooth = 0`` the loss is unchanged), on hard labels
JML1 = JML2 = SJL for any weights, and JML1 / JML2 stay metrics (weighted
:math:`\ell_1` norms). 0/1 weights are the valid-pixel mask.

Everything is computed from six per-(image, class) sums over pixels
(:class:`ClassStatistics`): :math:`\sum w x`, :math:`\sum w y`,
:math:`\sum w \min(x, y)`, :math:`\sum w x y`, :math:`\sum w x^2`,
:math:`\sum w y^2`. They are additive over pixels, so the batch ("dataset",
D) statistics are sums of the per-image ones and one pass serves the D, I
and C terms. Hard label maps never become a one-hot: for pixels labelled
:math:`l_p`,

.. math::

    \sum_p w_p \min(x_{pc}, y_{pc}) = \sum_p w_p x_{pc} y_{pc}
        = \sum_{p: l_p = c} w_p x_{pc},

a gather and a per-class scatter-add, with a hand-written backward.
"""
from typing import Literal, NamedTuple, Optional, Tuple

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

from .validation import (check_choice, check_real, validate_class_weight,
                         validate_inputs, validate_smoothing)

Variant = Literal['jml1', 'jml2', 'sjl_l1', 'sjl_l2', 'sjl']
ActiveMode = Literal['all', 'present', 'label', 'prob', 'both']

#: Loss variants. ``'sjl'`` is an alias of ``'sjl_l1'``.
VARIANTS = ('jml1', 'jml2', 'sjl_l1', 'sjl_l2', 'sjl')
#: Active-class modes.
ACTIVE_MODES = ('all', 'present', 'label', 'prob', 'both')

__all__ = [
    'VARIANTS', 'ACTIVE_MODES', 'ClassStatistics', 'hard_class_statistics',
    'soft_class_statistics', 'tversky_terms', 'tversky_score',
    'class_losses', 'loss_from_statistics', 'jaccard_metric_loss',
    'jaccard_distance', 'all_reduce_sum', 'soft_cross_entropy',
    'kl_divergence'
]


class ClassStatistics(NamedTuple):
    """Per-(image, class) sums over counted pixels, each of shape (N, C).

    ``sum_pred``, ``sum_min``, ``sum_prod`` and ``sum_sq_pred`` are
    differentiable with respect to the logits; the others are not. Sums that
    the chosen variant does not need are ``None``.

    Attributes:
        sum_pred: :math:`\\sum_p w_p x_{pc}`.
        sum_target: :math:`\\sum_p w_p y_{pc}`.
        sum_min: :math:`\\sum_p w_p \\min(x_{pc}, y_{pc})` or None.
        sum_prod: :math:`\\sum_p w_p x_{pc} y_{pc}` or None.
        sum_sq_pred: :math:`\\sum_p w_p x^2_{pc}` or None.
        sum_sq_target: :math:`\\sum_p w_p y^2_{pc}` or None.
        active: Boolean (N, C) mask of the classes active in each image.
    """
    sum_pred: Tensor
    sum_target: Tensor
    sum_min: Optional[Tensor]
    sum_prod: Optional[Tensor]
    sum_sq_pred: Optional[Tensor]
    sum_sq_target: Optional[Tensor]
    active: Tensor


def _canonical_variant(variant: str) -> str:
    check_choice('variant', variant, VARIANTS)
    return 'sjl_l1' if variant == 'sjl' else variant


def _needed_sums(variant: str) -> Tuple[bool, bool, bool]:
    """(sum_min, sum_prod, squares) needed by a canonical variant."""
    return (variant in ('jml1', 'jml2'), variant in ('jml2', 'sjl_l1',
                                                     'sjl_l2'),
            variant == 'sjl_l2')


def _compute_dtype(logits: Tensor) -> torch.dtype:
    # float64 stays float64 (tests, gradcheck); everything else is float32.
    return torch.float64 if logits.dtype == torch.float64 else torch.float32


_MAX_NONE, _MAX_PRED, _MAX_SUM = 0, 1, 2


def _masked_max(values: Tensor, counted: Tensor) -> Tensor:
    """Max of (N, C, P) ``values`` over the counted pixels (0 if none)."""
    if values.shape[2] == 0:
        return values.new_zeros(values.shape[:2])
    return torch.where(counted, values, 0).amax(dim=2)


def _smoothed_subset(labels: Tensor, weight: Tensor, smoothing: Tensor,
                     smoothed: Tensor) -> Tuple[Tensor, Tensor, Tensor,
                                                Tensor]:
    """The smoothed pixels of each image, packed to the front.

    Returns ``order`` (N, M) pixel indices (M = the largest count of
    smoothed pixels in an image; shorter rows are padded with other pixels)
    and, at those pixels, the weight, label and smoothing (weight and
    smoothing 0 on the padding).
    """
    counts = smoothed.sum(dim=1)
    m = int(counts.max()) if smoothed.numel() else 0
    order = torch.argsort((~smoothed).to(torch.uint8), dim=1,
                          stable=True)[:, :m]
    valid = (torch.arange(m, device=order.device) < counts.unsqueeze(1)).to(
        weight.dtype)
    return (order, weight.gather(1, order) * valid, labels.gather(1, order),
            smoothing.gather(1, order) * valid)


def _smoothed_target(labels: Tensor, smoothing: Tensor,
                     num_classes: int) -> Tensor:
    """Dense (N, C, M) target ``(1 - e) onehot(l) + e / C`` of few pixels."""
    target = (smoothing / num_classes).unsqueeze(1).repeat(1, num_classes, 1)
    target.scatter_add_(1, labels.unsqueeze(1), (1 - smoothing).unsqueeze(1))
    return target


class _HardStatistics(torch.autograd.Function):
    r"""Differentiable sums of :func:`hard_class_statistics`.

    Inputs: logits (N, C, P), labels (N, P) int64 in ``[0, C)``, weight
    (N, P) >= 0 (0 at ignored pixels), ``squares`` and ``max_mode`` flags,
    and optionally a sixth input: the smoothing (N, P) in [0, 1], 0 at
    ignored pixels (None or absent: the one-hot target).
    Outputs (N, C): ``sum_pred``, ``sum_min``, ``sum_prod``, ``sum_sq_pred``
    (zeros unless ``squares``) and, without gradient, the max of the
    probability (``max_mode=1``) or of probability + target
    (``max_mode=2``) over counted pixels (zeros when ``max_mode=0``).

    The target is :math:`y_{pc} = (1 - \varepsilon_p)[c = l_p] +
    \varepsilon_p / C` (one-hot where :math:`\varepsilon_p = 0`). Let
    :math:`S` be the smoothed pixels (:math:`\varepsilon_p > 0`) and
    :math:`\bar w_p = w_p [p \notin S]`. Then

    .. math::

        \sum_p w_p \min(x_{pc}, y_{pc}) = \sum_{p: l_p = c} \bar w_p x_{pc}
            + \sum_{p \in S} w_p \min(x_{pc}, y_{pc}),

        \sum_p w_p x_{pc} y_{pc} = \sum_{p: l_p = c} w_p
            (1 - \varepsilon_p) x_{pc}
            + \sum_{p \in S} w_p \frac{\varepsilon_p}{C} x_{pc}:

    a gather and a scatter-add over all pixels, and a dense (N, C, |S|)
    part over the smoothed pixels only (gathered to the front of each
    image).

    Backward. With upstream gradients :math:`a, b, d, q` of the four sums,
    the gradient with respect to the probabilities is a per-class constant
    on every pixel plus a per-class constant on the labelled class, plus a
    dense term on the smoothed pixels,

    .. math::

        g_{pc} = w_p a_c + 2 w_p x_{pc} q_c
                 + [c = l_p] (\bar w_p b_{l_p}
                 + w_p (1 - \varepsilon_p) d_{l_p})
                 + [p \in S] (w_p \mu_{pc} b_c
                 + w_p \tfrac{\varepsilon_p}{C} d_c),

    with :math:`\mu = [x < y] + \frac12 [x = y]` (the subgradient of
    ``torch.minimum``), followed by the softmax backward
    :math:`\partial z_{pc} = x_{pc} (g_{pc} - \sum_k x_{pk} g_{pk})`.
    The dense part is one (N, C, P) buffer, the labelled part a gather and
    a scatter-add, the smoothed part (N, C, |S|). The backward is not itself
    differentiable (``once_differentiable``: a double backward raises).
    """

    @staticmethod
    def forward(ctx,
                logits: Tensor,
                labels: Tensor,
                weight: Tensor,
                squares: bool,
                max_mode: int,
                *optional: Optional[Tensor]):
        smoothing = optional[0] if optional else None
        prob = torch.softmax(logits, dim=1)
        n, c, _ = prob.shape
        idx = labels.unsqueeze(1)
        p_lab = prob.gather(1, idx).squeeze(1)  # (N, P)
        sum_pred = torch.bmm(prob, weight.unsqueeze(2)).squeeze(2)
        zeros = prob.new_zeros(n, c)
        if smoothing is None:
            w_min = w_prod = weight
            subset = None
        else:
            smoothed = (smoothing > 0) & (weight > 0)
            w_min = torch.where(smoothed, 0, weight)
            w_prod = weight * (1 - smoothing)
            subset = _smoothed_subset(labels, weight, smoothing, smoothed)
        sum_min = zeros.scatter_add(1, labels, w_min * p_lab)
        sum_prod = zeros.scatter_add(1, labels, w_prod * p_lab)
        sub_max = None
        if subset is not None and subset[0].shape[1]:
            order, w_b, l_b, e_b = subset
            prob_b = prob.gather(2, order.unsqueeze(1).expand(n, c, -1))
            y_b = _smoothed_target(l_b, e_b, c)
            sum_min = sum_min + torch.bmm(torch.minimum(prob_b, y_b),
                                          w_b.unsqueeze(2)).squeeze(2)
            sum_prod = sum_prod + torch.bmm(
                prob_b, (w_b * e_b / c).unsqueeze(2)).squeeze(2)
            if max_mode == _MAX_SUM:
                sub_max = _masked_max(prob_b + y_b, (w_b > 0).unsqueeze(1))
            del prob_b, y_b
        if squares:
            sum_sq = torch.bmm(prob * prob, weight.unsqueeze(2)).squeeze(2)
        else:
            sum_sq = zeros.clone()
        counted = (weight > 0).unsqueeze(1)
        if max_mode == _MAX_NONE:
            max_out = zeros.clone()
        else:
            max_out = _masked_max(prob, counted)
            if max_mode == _MAX_SUM:
                # max_p (x + y): on a class labelled at a one-hot pixel,
                # 1 + the largest x at those pixels (>= any x elsewhere);
                # else max_p x; smoothed pixels: their own max of x + y.
                one_hot = w_min > 0
                lab_max = zeros.scatter_reduce(
                    1, labels, torch.where(one_hot, p_lab, 0), 'amax')
                present = zeros.scatter_add(1, labels,
                                            one_hot.to(zeros)) > 0
                max_out = torch.where(present, lab_max + 1, max_out)
                if sub_max is not None:
                    max_out = torch.maximum(max_out, sub_max)
        ctx.mark_non_differentiable(max_out)
        ctx.squares = squares
        ctx.smoothed = subset is not None
        ctx.num_inputs = 5 + len(optional)
        extra = (w_min, w_prod, *subset) if subset is not None else ()
        ctx.save_for_backward(prob, labels, weight, p_lab, *extra)
        return sum_pred, sum_min, sum_prod, sum_sq, max_out

    @staticmethod
    @once_differentiable
    def backward(ctx, g_pred: Tensor, g_min: Tensor, g_prod: Tensor,
                 g_sq: Tensor, _g_max: Tensor):
        prob, labels, weight, p_lab, *extra = ctx.saved_tensors
        with torch.autocast(device_type=prob.device.type, enabled=False):
            if ctx.smoothed:
                w_min, w_prod, order, w_b, l_b, e_b = extra
            else:
                w_min = w_prod = weight
            # coefficient of the labelled class, times its probability
            s_x = (w_min * g_min.gather(1, labels) +
                   w_prod * g_prod.gather(1, labels)) * p_lab  # (N, P)
            t = torch.bmm(g_pred.unsqueeze(1), prob)  # (N, 1, P)
            # w_p a_c - (w_p t_p + x_{l_p} s_p): one dense pass
            grad = torch.addcmul(
                (weight.unsqueeze(1) * t).add_(s_x.unsqueeze(1)).neg_(),
                g_pred.unsqueeze(2), weight.unsqueeze(1))  # (N, C, P)
            if ctx.squares:
                xq = prob * g_sq.unsqueeze(2)
                u = (prob * xq).sum(dim=1, keepdim=True)
                grad.add_(xq.sub_(u).mul_(2 * weight.unsqueeze(1)))
            if ctx.smoothed and order.shape[1]:
                n, c, _ = prob.shape
                index = order.unsqueeze(1).expand(n, c, -1)
                prob_b = prob.gather(2, index)
                y_b = _smoothed_target(l_b, e_b, c)
                g_b = (prob_b < y_b).to(prob.dtype)
                g_b.add_((prob_b == y_b).to(prob.dtype), alpha=0.5)
                g_b.mul_(g_min.unsqueeze(2) * w_b.unsqueeze(1))
                g_b.add_(g_prod.unsqueeze(2) * (w_b * e_b / c).unsqueeze(1))
                g_b.sub_((prob_b * g_b).sum(dim=1, keepdim=True))
                grad.scatter_add_(2, index, g_b)
            grad.mul_(prob)
            grad.scatter_add_(1, labels.unsqueeze(1), s_x.unsqueeze(1))
        return (grad, ) + (None, ) * (ctx.num_inputs - 1)


class _SoftStatistics(torch.autograd.Function):
    """Differentiable sums of :func:`soft_class_statistics`.

    Inputs: logits and target (N, C, P), weight (N, P) >= 0, flags
    ``need_min``, ``need_prod``, ``squares`` and ``max_mode`` (as in
    :class:`_HardStatistics`). Outputs (N, C): ``sum_pred``, ``sum_min``,
    ``sum_prod``, ``sum_sq_pred`` (zeros when not needed) and the
    non-differentiable max.

    Backward, with :math:`a, b, d, q` as in :class:`_HardStatistics`:

    .. math::

        g_{pc} = w_p a_c + w_p b_c\\, \\mu_{pc} + w_p d_c\\, y_{pc}
                 + 2 w_p q_c\\, x_{pc},

    where :math:`\\mu = 1` if :math:`x < y`, :math:`1/2` if :math:`x = y`
    and 0 otherwise (the subgradient ``torch.minimum`` uses), then the
    softmax backward. Not itself differentiable (``once_differentiable``).
    """

    @staticmethod
    def forward(ctx, logits: Tensor, target: Tensor, weight: Tensor,
                need_min: bool, need_prod: bool, squares: bool,
                max_mode: int):
        prob = torch.softmax(logits, dim=1)
        n, c, _ = prob.shape
        wcol = weight.unsqueeze(2)
        zeros = prob.new_zeros(n, c)
        sum_pred = torch.bmm(prob, wcol).squeeze(2)
        sum_min = torch.bmm(torch.minimum(prob, target),
                            wcol).squeeze(2) if need_min else zeros.clone()
        sum_prod = torch.bmm(prob * target,
                             wcol).squeeze(2) if need_prod else zeros.clone()
        sum_sq = torch.bmm(prob * prob,
                           wcol).squeeze(2) if squares else zeros.clone()
        counted = (weight > 0).unsqueeze(1)
        if max_mode == _MAX_NONE:
            max_out = zeros.clone()
        elif max_mode == _MAX_PRED:
            max_out = _masked_max(prob, counted)
        else:
            max_out = _masked_max(prob + target, counted)
        ctx.mark_non_differentiable(max_out)
        ctx.flags = (need_min, need_prod, squares)
        ctx.save_for_backward(prob, target, weight)
        return sum_pred, sum_min, sum_prod, sum_sq, max_out

    @staticmethod
    @once_differentiable
    def backward(ctx, g_pred: Tensor, g_min: Tensor, g_prod: Tensor,
                 g_sq: Tensor, _g_max: Tensor):
        prob, target, weight = ctx.saved_tensors
        need_min, need_prod, squares = ctx.flags
        with torch.autocast(device_type=prob.device.type, enabled=False):
            w = weight.unsqueeze(1)
            if need_min:
                # a + b mu with mu = (1 + sign(y - x)) / 2, in one buffer
                half = 0.5 * g_min.unsqueeze(2)
                grad = torch.sub(target, prob).sign_().mul_(half).add_(
                    g_pred.unsqueeze(2) + half)
            else:
                grad = g_pred.unsqueeze(2).expand_as(prob).clone()
            grad.mul_(w)
            if need_prod:
                grad.addcmul_(target, g_prod.unsqueeze(2) * w)
            if squares:
                grad.addcmul_(prob, 2 * g_sq.unsqueeze(2) * w)
            s = (prob * grad).sum(dim=1, keepdim=True)
            grad.sub_(s).mul_(prob)
        return grad, None, None, None, None, None, None


def _max_mode(mode: str) -> int:
    return {'prob': _MAX_PRED, 'both': _MAX_SUM}.get(mode, _MAX_NONE)


@torch.no_grad()
def _smoothed_target_statistics(
        labels: Tensor, weight: Tensor, smoothing: Tensor, num_classes: int,
        squares: bool, active_classes: str, threshold: float,
        max_out: Tensor) -> Tuple[Tensor, Optional[Tensor], Tensor]:
    r"""Target sums and active classes of a smoothed hard label (flat).

    ``sum_target``, ``sum_sq_target`` (None unless ``squares``) and the
    active mask of :math:`y = (1 - \varepsilon) \mathrm{onehot}(l) +
    \varepsilon / C`, as :func:`soft_class_statistics` computes them on the
    dense target (``present``: the arg-max is the label unless
    :math:`\varepsilon_p = 1`, where the uniform vector's arg-max is class 0).
    """
    zeros = weight.new_zeros(weight.shape[0], num_classes)
    counted = weight > 0
    keep = 1 - smoothing
    spread = smoothing / num_classes
    sum_target = zeros.scatter_add(1, labels, weight * keep) + (
        weight * spread).sum(dim=1, keepdim=True)
    sum_sq_target = None
    if squares:
        sum_sq_target = zeros.scatter_add(
            1, labels, weight * ((keep + spread)**2 - spread * spread)) + (
                weight * spread * spread).sum(dim=1, keepdim=True)
    if active_classes == 'all':
        active = torch.ones_like(zeros, dtype=torch.bool)
    elif active_classes == 'present':
        arg = torch.where(smoothing < 1, labels, 0)
        active = zeros.scatter_add(1, arg, counted.to(zeros)) > 0
    elif active_classes == 'label':
        top = counted & (keep + spread > threshold)
        active = zeros.scatter_add(1, labels, top.to(zeros)) > 0
        active |= (counted & (spread > threshold)).any(dim=1, keepdim=True)
    else:  # prob, both
        active = max_out > threshold
    return sum_target, sum_sq_target, active


def hard_class_statistics(logits: Tensor,
                          labels: Tensor,
                          weight: Optional[Tensor] = None,
                          ignore_index: int = 255,
                          variant: Variant = 'jml1',
                          active_classes: ActiveMode = 'present',
                          threshold: float = 0.01,
                          smoothing: Optional[Tensor] = None
                          ) -> ClassStatistics:
    r"""Per-(image, class) statistics of a hard label map, without one-hot.

    With :math:`x = \mathrm{softmax}(z)` over classes and :math:`w_p` the
    pixel weight (0 where the label is ``ignore_index``):

    .. math::

        \sum_p w_p x_{pc}, \quad
        \sum_p w_p y_{pc} = \sum_{p: l_p = c} w_p, \quad
        \sum_p w_p \min(x_{pc}, y_{pc}) = \sum_{p: l_p = c} w_p x_{pc},

        \sum_p w_p x_{pc} y_{pc} = \sum_{p: l_p = c} w_p x_{pc}, \quad
        \sum_p w_p x_{pc}^2, \quad
        \sum_p w_p y_{pc}^2 = \sum_{p: l_p = c} w_p.

    A class is active in an image (``active_classes``) as follows: ``all``
    always; ``present`` and ``label`` if a counted pixel carries its label
    (``label`` also needs ``1 > threshold``); ``prob`` if its probability
    exceeds ``threshold`` at a counted pixel; ``both`` if probability +
    target does.

    With ``smoothing`` (per-pixel :math:`\varepsilon_p`, e.g. from
    :class:`~mmseg_jml.models.losses.BoundaryLabelSmoothing`) the target is
    the smoothed label

    .. math::

        y_{pc} = (1 - \varepsilon_p)\,[c = l_p] + \varepsilon_p / C,

    still without a one-hot: the statistics, active classes and gradients
    equal those of :func:`soft_class_statistics` on the dense target, but
    only the smoothed pixels (:math:`\varepsilon_p > 0`) are handled densely
    (see :class:`_HardStatistics`).

    Args:
        logits: (N, C, H, W) logits; computed in float32 (float64 stays).
        labels: (N, H, W) integer labels in ``[0, C)`` or ``ignore_index``.
        weight: Optional (N, H, W) pixel weights in [0, 1]. Defaults to None.
        ignore_index: Label of uncounted pixels. Defaults to 255.
        variant: Loss variant; decides which sums are computed. Defaults to
            ``'jml1'``.
        active_classes: Active-class mode. Defaults to ``'present'``.
        threshold: Threshold of the ``label``, ``prob`` and ``both`` modes.
            Defaults to 0.01.
        smoothing: Optional (N, H, W) smoothing weights in [0, 1]. Defaults
            to None (the one-hot target).

    Returns:
        The :class:`ClassStatistics`, each sum of shape (N, C).

    Raises:
        ValueError: If ``variant`` or ``active_classes`` is unknown. The
            tensors are not validated here (see
            :func:`~mmseg_jml.models.losses.validation.validate_inputs`).
    """
    variant = _canonical_variant(variant)
    check_choice('active_classes', active_classes, ACTIVE_MODES)
    dtype = _compute_dtype(logits)
    n, c = logits.shape[:2]
    p = logits.shape[2:].numel()
    flat_logits = logits.to(dtype).reshape(n, c, p)
    flat_labels = labels.reshape(n, p).long()
    valid = flat_labels != ignore_index
    pix_w = valid.to(dtype)
    if weight is not None:
        pix_w = pix_w * weight.reshape(n, p).to(dtype)
    flat_labels = torch.where(valid, flat_labels, 0)
    squares = _needed_sums(variant)[2]
    flat_eps = None
    if smoothing is not None:
        flat_eps = torch.where(valid,
                               smoothing.detach().reshape(n, p).to(dtype), 0)
    sum_pred, sum_min, sum_prod, sum_sq, max_out = _HardStatistics.apply(
        flat_logits, flat_labels, pix_w, squares, _max_mode(active_classes),
        flat_eps)
    if flat_eps is not None:
        sum_target, sum_sq_target, active = _smoothed_target_statistics(
            flat_labels, pix_w, flat_eps, c, squares, active_classes,
            threshold, max_out)
        return ClassStatistics(sum_pred, sum_target, sum_min, sum_prod,
                               sum_sq if squares else None, sum_sq_target,
                               active)
    with torch.no_grad():
        zeros = pix_w.new_zeros(n, c)
        counted = (pix_w > 0).to(dtype)
        present = zeros.scatter_add(1, flat_labels, counted) > 0
        sum_target = zeros.scatter_add(1, flat_labels, pix_w)
        if active_classes == 'all':
            active = torch.ones_like(present)
        elif active_classes == 'present':
            active = present
        elif active_classes == 'label':
            active = present & (1.0 > threshold)
        else:  # prob, both
            active = max_out > threshold
    # hard targets: y^2 = y
    return ClassStatistics(sum_pred, sum_target, sum_min, sum_prod,
                           sum_sq if squares else None,
                           sum_target if squares else None, active)


def soft_class_statistics(logits: Tensor,
                          target: Tensor,
                          weight: Optional[Tensor] = None,
                          variant: Variant = 'jml1',
                          active_classes: ActiveMode = 'all',
                          threshold: float = 0.01) -> ClassStatistics:
    r"""Per-(image, class) statistics of a soft target (dense path).

    A pixel counts when its weight is positive and its target vector is
    not all zero; :math:`w_p` is the pixel weight times that indicator.

    .. math::

        \sum_p w_p x_{pc}, \quad
        \sum_p w_p \min(x_{pc}, y_{pc}), \quad
        \sum_p w_p x_{pc} y_{pc},

    and likewise :math:`\sum_p w_p y_{pc}`, :math:`\sum_p w_p x_{pc}^2`,
    :math:`\sum_p w_p y_{pc}^2`.
    Active classes: ``all`` always; ``present`` if the class is the arg-max
    of the target at a counted pixel; ``label`` if its target exceeds
    ``threshold`` at a counted pixel; ``prob`` if its probability does;
    ``both`` if probability + target does.

    Args:
        logits: (N, C, H, W) logits; computed in float32 (float64 stays).
        target: (N, C, H, W) target, each pixel vector on the simplex or 0.
        weight: Optional (N, H, W) pixel weights in [0, 1]. Defaults to None.
        variant: Loss variant; decides which sums are computed. Defaults to
            ``'jml1'``.
        active_classes: Active-class mode. Defaults to ``'all'``.
        threshold: Threshold of ``label``, ``prob`` and ``both``. Defaults to
            0.01.

    Returns:
        The :class:`ClassStatistics`, each sum of shape (N, C).

    Raises:
        ValueError: If ``variant`` or ``active_classes`` is unknown. The
            tensors are not validated here.
    """
    variant = _canonical_variant(variant)
    check_choice('active_classes', active_classes, ACTIVE_MODES)
    dtype = _compute_dtype(logits)
    n, c = logits.shape[:2]
    p = logits.shape[2:].numel()
    flat_logits = logits.to(dtype).reshape(n, c, p)
    flat_target = target.detach().to(dtype).reshape(n, c, p)
    pix_w = (flat_target.sum(dim=1) > 0.5).to(dtype)
    if weight is not None:
        pix_w = pix_w * weight.reshape(n, p).to(dtype)
    need_min, need_prod, squares = _needed_sums(variant)
    sum_pred, sum_min, sum_prod, sum_sq, max_out = _SoftStatistics.apply(
        flat_logits, flat_target, pix_w, need_min, need_prod, squares,
        _max_mode(active_classes))
    with torch.no_grad():
        wcol = pix_w.unsqueeze(2)
        sum_target = torch.bmm(flat_target, wcol).squeeze(2)
        sum_sq_target = torch.bmm(flat_target * flat_target,
                                  wcol).squeeze(2) if squares else None
        counted = pix_w > 0
        if active_classes == 'all':
            active = torch.ones(n, c, dtype=torch.bool, device=logits.device)
        elif active_classes == 'present':
            arg = flat_target.argmax(dim=1)
            active = pix_w.new_zeros(n, c).scatter_add(
                1, arg, counted.to(dtype)) > 0
        elif active_classes == 'label':
            active = _masked_max(flat_target, counted.unsqueeze(1)) > threshold
        else:
            active = max_out > threshold
    return ClassStatistics(sum_pred, sum_target,
                           sum_min if need_min else None,
                           sum_prod if need_prod else None,
                           sum_sq if squares else None, sum_sq_target, active)


def tversky_terms(stats: ClassStatistics,
                  variant: Variant = 'jml1') -> Tuple[Tensor, Tensor, Tensor]:
    r"""Intersection, false positives and false negatives of a variant.

    With every sum :math:`w`-weighted over pixels
    (:math:`\sum f = \sum_p w_p f_p`, :math:`\langle x, y \rangle =
    \sum_p w_p x_p y_p`, :math:`|x|_2^2 = \sum_p w_p x_p^2`):

    .. math::

        \text{JML1}: & \; I = \textstyle\sum \min(x, y), &
            fp = \textstyle\sum x - I, & \; fn = \textstyle\sum y - I \\
        \text{JML2}: & \; I = \langle x, y \rangle, &
            fp = \textstyle\sum (x - y)_+, &
            \; fn = \textstyle\sum (y - x)_+ \\
        \text{SJL-L1}: & \; I = \langle x, y \rangle, &
            fp = |x|_1 - I, & \; fn = |y|_1 - I \\
        \text{SJL-L2}: & \; I = \langle x, y \rangle, &
            fp = |x|_2^2 - I, & \; fn = |y|_2^2 - I

    with :math:`\sum (x - y)_+ = \sum x - \sum \min(x, y)`. With
    :math:`\alpha = \beta = 1`, :math:`I + fp + fn` is the union:
    :math:`\sum \max(x, y)` (JML1), :math:`I + |x - y|_1` (JML2),
    :math:`|x| + |y| - I` (SJL). The terms are linear in the statistics,
    so they can be summed over images. ``fp`` and ``fn`` are clamped at 0
    against rounding, except for SJL-L2, where each can be negative: only
    :math:`fp + fn = |x - y|_2^2 \ge 0` holds, which is why the losses
    require :math:`\alpha = \beta` with ``'sjl_l2'`` (otherwise a wrong
    prediction can score 1 with zero gradient).

    Args:
        stats: Statistics of any common shape, e.g. (N, C).
        variant: ``'jml1'``, ``'jml2'``, ``'sjl_l1'`` (alias ``'sjl'``) or
            ``'sjl_l2'``. Defaults to ``'jml1'``.

    Returns:
        ``(intersection, false_pos, false_neg)``, each of the statistics'
        shape.

    Raises:
        ValueError: If ``variant`` is unknown or a statistic it needs is
            missing.
    """
    variant = _canonical_variant(variant)
    need_min, need_prod, squares = _needed_sums(variant)
    if (need_min and stats.sum_min is None) or (
            need_prod and stats.sum_prod is None) or (
                squares and (stats.sum_sq_pred is None
                             or stats.sum_sq_target is None)):
        raise ValueError(f'expected statistics computed for variant '
                         f'{variant!r}, got some of its sums missing')
    if variant == 'jml1':
        inter = stats.sum_min
        fp = stats.sum_pred - inter
        fn = stats.sum_target - inter
    elif variant == 'jml2':
        inter = stats.sum_prod
        fp = stats.sum_pred - stats.sum_min
        fn = stats.sum_target - stats.sum_min
    elif variant == 'sjl_l1':
        inter = stats.sum_prod
        fp = stats.sum_pred - inter
        fn = stats.sum_target - inter
    else:
        inter = stats.sum_prod
        # not signed errors: |x|^2 < <x, y> is possible; only
        # |x|^2 + |y|^2 - 2 <x, y> >= 0 holds, so no clamping here
        return inter, stats.sum_sq_pred - inter, stats.sum_sq_target - inter
    return inter, fp.clamp_min(0), fn.clamp_min(0)


def tversky_score(intersection: Tensor,
                  false_pos: Tensor,
                  false_neg: Tensor,
                  alpha: float = 1.0,
                  beta: float = 1.0,
                  smooth: float = 1.0) -> Tensor:
    r"""Smoothed Tversky index of the intersection and the errors.

    .. math::

        S = \frac{I + s}{I + \alpha\, fp + \beta\, fn + s}

    :math:`\alpha = \beta = 1` is the Jaccard index, :math:`0.5` the Dice
    coefficient. An empty denominator (nothing predicted, nothing labelled,
    ``s = 0``) scores 1.

    Args:
        intersection: :math:`I`, any shape.
        false_pos: :math:`fp`, same shape.
        false_neg: :math:`fn`, same shape.
        alpha: Weight of false positives. Defaults to 1.0.
        beta: Weight of false negatives. Defaults to 1.0.
        smooth: Smoothing :math:`s`. Defaults to 1.0.

    Returns:
        The score, of the inputs' shape, in [0, 1].
    """
    num = intersection + smooth
    den = num + alpha * false_pos + beta * false_neg
    nonzero = den > 0
    return torch.where(nonzero, num / torch.where(nonzero, den, 1.0), 1.0)


def class_losses(score: Tensor,
                 gamma: float = 1.0,
                 log_loss: bool = False) -> Tensor:
    r"""Per-class loss of a score.

    .. math::

        \ell = (1 - S)^\gamma \quad \text{or} \quad
        \ell = (-\log S)^\gamma \text{ with log loss}

    The score is clamped at machine epsilon before the logarithm.

    Args:
        score: Scores in [0, 1], any shape.
        gamma: Focal exponent, >= 1. Defaults to 1.0.
        log_loss: Whether to use :math:`-\log S`. Defaults to False.

    Returns:
        The losses, of the score's shape.
    """
    if log_loss:
        loss = -torch.log(score.clamp_min(torch.finfo(score.dtype).eps))
    else:
        loss = 1 - score
    loss = loss.clamp_min(0)
    return loss if gamma == 1 else loss.pow(gamma)


class _AllReduceSum(torch.autograd.Function):
    """Sum over ranks whose backward is again a sum over ranks (itself not
    differentiable: ``once_differentiable``)."""

    @staticmethod
    def forward(ctx, tensor: Tensor) -> Tensor:
        out = tensor.clone()
        dist.all_reduce(out, op=dist.ReduceOp.SUM)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and (
        dist.get_world_size() > 1)


def all_reduce_sum(tensor: Tensor) -> Tensor:
    r"""Differentiable sum of a tensor over all ranks.

    .. math::

        S = \sum_r s_r, \qquad
        \frac{\partial}{\partial s_r} \leftarrow
        \sum_{r'} \frac{\partial L_{r'}}{\partial S}

    Why the backward also sums: every rank computes the same loss
    :math:`L = f(S)` of the global statistics, and DDP averages parameter
    gradients over the :math:`R` ranks. The gradient of the global-batch
    loss is :math:`f'(S) \sum_r \partial s_r / \partial\theta`. Rank
    :math:`r` only sees :math:`s_r`; with a summing backward it gets
    :math:`R f'(S)\, \partial s_r / \partial\theta`, and DDP's average
    :math:`\frac{1}{R} \sum_r R f'(S)\, \partial s_r / \partial\theta` is the
    global-batch gradient. An identity backward would be :math:`R` times too
    small. Outside an initialised process group (or with one rank) this is
    the identity.

    Args:
        tensor: The local tensor, any shape.

    Returns:
        The sum over ranks, same shape.
    """
    if not _distributed():
        return tensor
    return _AllReduceSum.apply(tensor)


def _all_reduce_max_(tensor: Tensor) -> Tensor:
    if _distributed():
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return tensor


def _weighted_mean(values: Tensor, weights: Tensor) -> Tensor:
    """Sum(w * v) / sum(w), 0 (still attached to the graph) if sum(w) = 0."""
    den = weights.sum()
    return (weights * values).sum() / den.clamp_min(
        torch.finfo(values.dtype).tiny)


def loss_from_statistics(stats: ClassStatistics,
                         variant: Variant = 'jml1',
                         alpha: float = 1.0,
                         beta: float = 1.0,
                         gamma: float = 1.0,
                         smooth: float = 1.0,
                         log_loss: bool = False,
                         weight_dataset: float = 1.0,
                         weight_image: float = 0.0,
                         weight_class: float = 0.0,
                         class_weight: Optional[Tensor] = None,
                         reduce_across_ranks: bool = False) -> Tensor:
    r"""The fine-grained loss from per-(image, class) statistics.

    With :math:`\ell(\cdot)` = :func:`class_losses` of :func:`tversky_score`
    of :func:`tversky_terms`, :math:`a_{nc}` the active mask,
    :math:`A_c = \max_n a_{nc}` and :math:`\omega_c` the class weights (1
    without ``class_weight``):

    .. math::

        L_D = \frac{\sum_c A_c\, \omega_c\, \ell(\textstyle\sum_n s_{nc})}
                   {\sum_c A_c},

        L_I = \operatorname{mean}_{n: \sum_c a_{nc} > 0}
              \frac{\sum_c a_{nc}\, \omega_c\, \ell(s_{nc})}
                   {\sum_c a_{nc}},

        L_C = \frac{\sum_c A_c\, \omega_c\, \bar\ell_c}{\sum_c A_c}, \quad
        \bar\ell_c = \frac{\sum_n a_{nc}\, \ell(s_{nc})}{\sum_n a_{nc}},

        L = w_D L_D + w_I L_I + w_C L_C.

    Class weights multiply each class's loss, and the mean runs over the
    active classes: the denominators count classes, they do not sum
    weights (the official implementation, ``losses/jdt_loss.py`` of
    zifuwanggg/JDTLosses). Weights above 1 can therefore give a loss above
    1, and a class of weight 0 still counts in the denominator.

    A term with nothing active is 0 with zero gradient; so is an empty
    batch (N = 0 or no pixels). With ``reduce_across_ranks`` the D
    statistics and :math:`A_c` are summed (resp. maxed) over ranks by
    :func:`all_reduce_sum`; I and C stay local.

    Args:
        stats: Statistics of shape (N, C).
        variant: Loss variant. Defaults to ``'jml1'``.
        alpha: Weight of false positives. Defaults to 1.0.
        beta: Weight of false negatives. Defaults to 1.0.
        gamma: Focal exponent (>= 1). Defaults to 1.0.
        smooth: Smoothing. Defaults to 1.0.
        log_loss: Whether to use :math:`-\log` of the score. Defaults to
            False.
        weight_dataset: :math:`w_D`. Defaults to 1.0.
        weight_image: :math:`w_I`. Defaults to 0.0.
        weight_class: :math:`w_C`. Defaults to 0.0.
        class_weight: Optional (C,) class weights, finite, non-negative and
            not all zero. Defaults to None.
        reduce_across_ranks: Whether to sum the D statistics over ranks.
            Defaults to False.

    Returns:
        A scalar of the statistics' dtype.

    Raises:
        TypeError: If ``class_weight`` is not a real tensor.
        ValueError: If ``variant`` is unknown or ``class_weight`` has the
            wrong shape or invalid values.
    """
    validate_class_weight(class_weight, stats.sum_pred.shape[-1])
    return _loss_from_statistics(stats, variant, alpha, beta, gamma, smooth,
                                 log_loss, weight_dataset, weight_image,
                                 weight_class, class_weight,
                                 reduce_across_ranks)


def _loss_from_statistics(stats: ClassStatistics, variant: str,
                          alpha: float, beta: float, gamma: float,
                          smooth: float, log_loss: bool,
                          weight_dataset: float, weight_image: float,
                          weight_class: float,
                          class_weight: Optional[Tensor],
                          reduce_across_ranks: bool) -> Tensor:
    """:func:`loss_from_statistics` without the class-weight check."""
    inter, fp, fn = tversky_terms(stats, variant)
    c = inter.shape[-1]
    cw = inter.new_ones(c) if class_weight is None else class_weight.to(
        inter)
    active = stats.active
    total = inter.new_zeros(())
    if weight_dataset > 0:
        d_stats = torch.stack([inter.sum(0), fp.sum(0), fn.sum(0)])
        d_active = active.any(0).to(inter.dtype)
        if reduce_across_ranks:
            d_stats = all_reduce_sum(d_stats)
            d_active = _all_reduce_max_(d_active)
        loss_d = class_losses(
            tversky_score(d_stats[0], d_stats[1], d_stats[2], alpha, beta,
                          smooth), gamma, log_loss)
        total = total + weight_dataset * _weighted_mean(cw * loss_d, d_active)
    if weight_image > 0 or weight_class > 0:
        loss_nc = cw * class_losses(
            tversky_score(inter, fp, fn, alpha, beta, smooth), gamma,
            log_loss)
        a = active.to(inter.dtype)
        if weight_image > 0:
            den = a.sum(1)
            per_image = (a * loss_nc).sum(1) / den.clamp_min(1)
            total = total + weight_image * _weighted_mean(
                per_image, (den > 0).to(inter.dtype))
        if weight_class > 0:
            count = a.sum(0)
            per_class = (a * loss_nc).sum(0) / count.clamp_min(1)
            total = total + weight_class * _weighted_mean(
                per_class, (count > 0).to(inter.dtype))
    return total


def _check_jml_config(variant: str, alpha: float, beta: float, gamma: float,
                      smooth: float, weight_dataset: float,
                      weight_image: float, weight_class: float,
                      active_classes: Optional[str],
                      threshold: float) -> None:
    _canonical_variant(variant)
    check_real('alpha', alpha, 0.0)
    check_real('beta', beta, 0.0)
    check_real('gamma', gamma, 1.0)
    check_real('smooth', smooth, 0.0)
    for name, value in (('weight_dataset', weight_dataset),
                        ('weight_image', weight_image), ('weight_class',
                                                         weight_class)):
        check_real(name, value, 0.0)
    if weight_dataset + weight_image + weight_class <= 0:
        raise ValueError('expected at least one of weight_dataset, '
                         'weight_image, weight_class to be positive, got '
                         f'{(weight_dataset, weight_image, weight_class)}')
    if active_classes is not None:
        check_choice('active_classes', active_classes, ACTIVE_MODES)
    check_real('threshold', threshold, 0.0)
    if _canonical_variant(variant) == 'sjl_l2' and float(alpha) != float(
            beta):
        raise ValueError(
            "expected alpha == beta with variant 'sjl_l2' (its false "
            'positives and negatives are not signed errors: only their sum '
            '|x - y|_2^2 is >= 0, so unequal weights can score a wrong '
            f'prediction as perfect), got alpha={alpha}, beta={beta}')


def jaccard_metric_loss(seg_logits: Tensor,
                        target: Tensor,
                        weight: Optional[Tensor] = None,
                        variant: Variant = 'jml1',
                        alpha: float = 1.0,
                        beta: float = 1.0,
                        gamma: float = 1.0,
                        smooth: float = 1.0,
                        log_loss: bool = False,
                        weight_dataset: float = 1.0,
                        weight_image: float = 0.0,
                        weight_class: float = 0.0,
                        active_classes: Optional[ActiveMode] = None,
                        threshold: float = 0.01,
                        class_weight: Optional[Tensor] = None,
                        ignore_index: int = 255,
                        reduce_across_ranks: bool = False,
                        check_inputs: bool = True,
                        smoothing: Optional[Tensor] = None) -> Tensor:
    r"""Jaccard metric loss (and its Dice / SJL relatives) of a batch.

    .. math::

        \ell_c = \Bigl(1 - \frac{I_c + s}{I_c + \alpha\, fp_c + \beta\, fn_c
        + s}\Bigr)^\gamma,

    with :math:`I, fp, fn` from :func:`tversky_terms`, combined over
    classes and images by :func:`loss_from_statistics` (class weights
    multiply each class's loss; the mean runs over the active classes).
    Hard targets go through :func:`hard_class_statistics` (no one-hot), soft
    ones through :func:`soft_class_statistics`. Computed in float32 (float64
    inputs stay float64) with autocast disabled.

    Pixel weights :math:`w_p` weight every cardinality once (module
    docstring): :math:`I = \sum_p w_p \min(x_p, y_p)` or
    :math:`\sum_p w_p x_p y_p`, :math:`|x| = \sum_p w_p x_p`, ... . A
    uniform weight therefore rescales all statistics alike (the loss is
    unchanged with ``smooth = 0``), and JML1 = JML2 = SJL on hard labels
    with any weights. An empty batch (N = 0 or H W = 0) gives a loss of 0
    with zero gradient.

    Args:
        seg_logits: (N, C, H, W) logits.
        target: (N, H, W) integer labels or (N, C, H, W) soft target; the
            kind is decided by shape.
        weight: Optional (N, H, W) pixel weights in [0, 1], a measure on
            the pixels. Defaults to None.
        variant: ``'jml1'``, ``'jml2'``, ``'sjl_l1'`` (``'sjl'``) or
            ``'sjl_l2'`` (which requires ``alpha == beta``). Defaults to
            ``'jml1'``.
        alpha: Weight of false positives. Defaults to 1.0.
        beta: Weight of false negatives. Defaults to 1.0.
        gamma: Focal exponent, >= 1. Defaults to 1.0.
        smooth: Smoothing. Defaults to 1.0.
        log_loss: Whether to use :math:`-\log` of the score. Defaults to
            False.
        weight_dataset: Weight of the mIoU^D term. Defaults to 1.0.
        weight_image: Weight of the mIoU^I term. Defaults to 0.0.
        weight_class: Weight of the mIoU^C term. Defaults to 0.0.
        active_classes: ``None`` (``'present'`` for hard targets, ``'all'``
            for soft), ``'all'``, ``'present'``, ``'label'``, ``'prob'`` or
            ``'both'``. Defaults to None.
        threshold: Threshold of ``label``, ``prob``, ``both``. Defaults to
            0.01.
        class_weight: Optional (C,) class weights, finite, non-negative and
            not all zero; each class's loss is multiplied by its weight.
            Defaults to None.
        ignore_index: Label of uncounted pixels. Defaults to 255.
        reduce_across_ranks: Whether to sum the D statistics over ranks.
            Defaults to False.
        check_inputs: Whether to validate the arguments and tensors (the
            loss modules validate in ``forward`` and pass False; the
            ``smoothing`` map is validated either way). Defaults to True.
        smoothing: Optional (N, H, W) per-pixel label smoothing
            :math:`\varepsilon_p \in [0, 1]` of a hard target (e.g.
            :class:`~mmseg_jml.models.losses.BoundaryLabelSmoothing`'s
            ``smoothing_map``): the target is then
            :math:`(1 - \varepsilon_p)\,\mathrm{onehot}(l_p) +
            \varepsilon_p / C`, a soft target (default active classes
            ``'all'``), computed without building it. Defaults to None.

    Returns:
        A float32 (float64 for float64 logits) scalar.

    Raises:
        TypeError: If a tensor has the wrong dtype.
        ValueError: On a bad shape, labels outside ``[0, C)`` other than
            ``ignore_index``, a soft target off the simplex, non-finite
            logits, invalid class weights, a smoothing map outside [0, 1]
            or an invalid option.
    """
    if check_inputs:
        _check_jml_config(variant, alpha, beta, gamma, smooth, weight_dataset,
                          weight_image, weight_class, active_classes,
                          threshold)
        _, weight = validate_inputs(seg_logits, target, weight, ignore_index,
                                    class_weight)
    hard = target.ndim == 3
    if smoothing is not None:
        validate_smoothing(smoothing, target)
    mode = active_classes or ('present' if hard and smoothing is None else
                              'all')
    with torch.autocast(device_type=seg_logits.device.type, enabled=False):
        if hard:
            stats = hard_class_statistics(seg_logits, target, weight,
                                          ignore_index, variant, mode,
                                          threshold, smoothing)
        else:
            stats = soft_class_statistics(seg_logits, target, weight, variant,
                                          mode, threshold)
        return _loss_from_statistics(stats, variant, alpha, beta, gamma,
                                     smooth, log_loss, weight_dataset,
                                     weight_image, weight_class, class_weight,
                                     reduce_across_ranks)


def jaccard_distance(x: Tensor,
                     y: Tensor,
                     variant: Variant = 'jml1',
                     alpha: float = 1.0,
                     beta: float = 1.0,
                     smooth: float = 0.0,
                     dim: int = -1) -> Tensor:
    r"""The loss of the vectors ``x`` and ``y`` along ``dim``, as a distance.

    .. math::

        \Delta(x, y) = 1 - \frac{I + s}{I + \alpha\, fp + \beta\, fn + s}

    with :func:`tversky_terms` of the sums over ``dim``. For
    :math:`x, y \in [0, 1]^p`, ``s = 0`` and :math:`\alpha = \beta = 1`,
    ``'jml1'`` and ``'jml2'`` are metrics (the paper's Theorems); SJL is
    not. :math:`\Delta(0, 0) = 0`.

    Args:
        x: Predictions in [0, 1].
        y: Targets in [0, 1], broadcastable with ``x``.
        variant: Loss variant. Defaults to ``'jml1'``.
        alpha: Weight of false positives. Defaults to 1.0.
        beta: Weight of false negatives. Defaults to 1.0.
        smooth: Smoothing. Defaults to 0.0.
        dim: The dimension of the vectors. Defaults to -1.

    Returns:
        The distances, with ``dim`` reduced.

    Raises:
        ValueError: If ``variant`` is unknown.
    """
    x, y = torch.broadcast_tensors(x, y)
    stats = ClassStatistics(x.sum(dim), y.sum(dim),
                            torch.minimum(x, y).sum(dim), (x * y).sum(dim),
                            (x * x).sum(dim), (y * y).sum(dim),
                            torch.ones((), dtype=torch.bool))
    inter, fp, fn = tversky_terms(stats, variant)
    return 1 - tversky_score(inter, fp, fn, alpha, beta, smooth)


def soft_cross_entropy(seg_logits: Tensor,
                       target: Tensor,
                       weight: Optional[Tensor] = None,
                       class_weight: Optional[Tensor] = None,
                       ignore_index: int = 255,
                       check_inputs: bool = True,
                       smoothing: Optional[Tensor] = None) -> Tensor:
    r"""Cross-entropy with hard or soft targets, a weighted mean over pixels.

    .. math::

        L = \frac{\sum_p w_p \sum_c \omega_c\, (-y_{pc} \log x_{pc})}
                 {\sum_p w_p \sum_c \omega_c\, y_{pc}}

    with :math:`x = \mathrm{softmax}(z)`, :math:`w_p` the pixel weight (0 at
    ignored labels and all-zero soft pixels) and :math:`\omega` the class
    weights. Without class weights the denominator is the counted pixel
    mass; on hard labels this is ``F.cross_entropy(weight=class_weight,
    ignore_index=...)`` with ``reduction='mean'``. 0 if nothing counts.

    With ``smoothing`` (per-pixel :math:`\varepsilon_p` of a hard target)
    the target is :math:`y_{pc} = (1 - \varepsilon_p)[c = l_p] +
    \varepsilon_p / C`, computed without building it:

    .. math::

        \sum_c \omega_c (-y_{pc} \log x_{pc}) =
            (1 - \varepsilon_p)\, \omega_{l_p} (-\log x_{p l_p})
            + \frac{\varepsilon_p}{C} \sum_c \omega_c (-\log x_{pc}).

    Args:
        seg_logits: (N, C, H, W) logits.
        target: (N, H, W) integer labels or (N, C, H, W) soft target.
        weight: Optional (N, H, W) pixel weights in [0, 1]. Defaults to None.
        class_weight: Optional (C,) class weights, finite, non-negative and
            not all zero. Defaults to None.
        ignore_index: Label of uncounted pixels. Defaults to 255.
        check_inputs: Whether to validate the tensors (the ``smoothing``
            map is validated either way). Defaults to True.
        smoothing: Optional (N, H, W) label smoothing weights in [0, 1] of
            a hard target. Defaults to None.

    Returns:
        A float32 (float64 for float64 logits) scalar.

    Raises:
        TypeError: If a tensor has the wrong dtype.
        ValueError: On a bad shape, out-of-range labels, a soft target off
            the simplex, non-finite logits, invalid class weights, or a
            smoothing map outside [0, 1] or without a hard target of its
            shape.
    """
    if check_inputs:
        _, weight = validate_inputs(seg_logits, target, weight, ignore_index,
                                    class_weight)
    if smoothing is not None:
        validate_smoothing(smoothing, target)
    dtype = _compute_dtype(seg_logits)
    with torch.autocast(device_type=seg_logits.device.type, enabled=False):
        logits = seg_logits.to(dtype)
        cw = None if class_weight is None else class_weight.to(logits)
        if target.ndim == 3 and smoothing is None:
            labels = target.long()
            per_pixel = F.cross_entropy(
                logits,
                labels,
                weight=cw,
                reduction='none',
                ignore_index=ignore_index)
            valid = labels != ignore_index
            norm = valid.to(dtype)
            if cw is not None:
                norm = norm * cw[torch.where(valid, labels, 0)]
        elif target.ndim == 3:
            labels = target.long()
            valid = labels != ignore_index
            safe = torch.where(valid, labels, 0)
            counted = valid.to(dtype)
            keep = (1 - smoothing.detach().to(dtype)) * counted
            spread = smoothing.detach().to(dtype) * counted / logits.shape[1]
            log_p = torch.log_softmax(logits, dim=1)
            nll = -log_p.gather(1, safe.unsqueeze(1)).squeeze(1)
            if cw is None:
                omega = counted
                spread_nll = -log_p.sum(dim=1)
                omega_sum = float(logits.shape[1])
            else:
                omega = cw[safe]
                spread_nll = -(log_p * cw.view(1, -1, 1, 1)).sum(dim=1)
                omega_sum = cw.sum()
            per_pixel = keep * omega * nll + spread * spread_nll
            norm = keep * omega + spread * omega_sum
        else:
            y = target.to(dtype)
            log_p = torch.log_softmax(logits, dim=1)
            if cw is not None:
                y = y * cw.view(1, -1, 1, 1)
            per_pixel = -(y * log_p).sum(dim=1)
            norm = y.sum(dim=1)
        if weight is not None:
            w = weight.to(dtype)
            per_pixel = per_pixel * w
            norm = norm * w
        return per_pixel.sum() / norm.sum().clamp_min(
            torch.finfo(dtype).tiny)


class _KLDivergenceSum(torch.autograd.Function):
    r"""The weighted sum :math:`T^2 \sum_p w_p \sum_c p_{pc} (\log p_{pc} -
    \log q_{pc})`, :math:`q = \mathrm{softmax}(s)`, with its analytic
    gradient.

    Inputs: the softened logits :math:`s = z / T` and the teacher
    probabilities :math:`p` (N, C, H, W, same dtype, :math:`p` without
    gradient), pixel weights :math:`w` (N, H, W) and :math:`T`.
    :math:`0 \log 0 = 0` (the teacher's log is taken of
    :math:`\max(p, \text{tiny})`, cheaper than ``xlogy``).

    Backward, with :math:`m_p = \sum_c p_{pc}` (1 on the simplex):

    .. math::

        \frac{\partial L}{\partial s_{pc}} = T^2 w_p (m_p q_{pc} - p_{pc}),

    one pass instead of autograd's log-softmax backward through the
    products (autograd's division by :math:`T` then gives the logits'
    gradient). Not itself differentiable: a backward with
    ``create_graph=True`` raises.
    """

    @staticmethod
    def forward(ctx, scaled_logits: Tensor, p: Tensor, w: Tensor,
                temperature: float) -> Tensor:
        log_q = torch.log_softmax(scaled_logits, dim=1)
        tiny = torch.finfo(p.dtype).tiny
        per_pixel = p.clamp_min(tiny).log_().sub_(log_q).mul_(p).sum(dim=1)
        ctx.temperature = temperature
        ctx.save_for_backward(log_q, p, w)
        return temperature**2 * (per_pixel * w).sum()

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        if torch.is_grad_enabled():  # create_graph=True
            # once_differentiable would return a constant here (the
            # incoming gradient needs no grad), silently dropping second
            # derivatives: refuse instead.
            raise RuntimeError(
                'trying to differentiate twice the KL divergence: its '
                'backward is analytic (create_graph=True is not supported)')
        log_q, p, w = ctx.saved_tensors
        scale = (grad_out * ctx.temperature**2) * w.unsqueeze(1)
        grad = log_q.exp().mul_(p.sum(dim=1, keepdim=True)).sub_(p)
        return grad.mul_(scale), None, None, None


def kl_divergence(student_logits: Tensor,
                  teacher_probs: Tensor,
                  weight: Optional[Tensor] = None,
                  temperature: float = 1.0,
                  check_inputs: bool = True) -> Tensor:
    r"""Distillation loss :math:`T^2 \mathrm{KL}(p \| q)` averaged over pixels.

    .. math::

        L = T^2 \frac{\sum_p w_p \sum_c p_{pc}
            (\log p_{pc} - \log q_{pc})}{\sum_p w_p}, \qquad
        q = \mathrm{softmax}(z / T),

    where ``teacher_probs`` :math:`p` are already softened at the same
    :math:`T`, :math:`0 \log 0 = 0`, and :math:`w_p` is the pixel weight
    times 1 where the teacher vector is not all zero. 0 if nothing counts.

    Args:
        student_logits: (N, C, H, W) student logits.
        teacher_probs: (N, C, H, W) teacher probabilities on the simplex.
        weight: Optional (N, H, W) pixel weights in [0, 1]. Defaults to None.
        temperature: :math:`T > 0`. Defaults to 1.0.
        check_inputs: Whether to validate the arguments and tensors.
            Defaults to True.

    Returns:
        A float32 (float64 for float64 logits) scalar.

    Raises:
        TypeError: If a tensor has the wrong dtype.
        ValueError: On a bad shape, teacher probabilities off the simplex,
            non-finite logits or ``temperature <= 0``.
    """
    if check_inputs:
        check_real('temperature', temperature, 0.0, strict_minimum=True)
        _, weight = validate_inputs(
            student_logits, teacher_probs, weight, 255, allow_hard=False)
    dtype = _compute_dtype(student_logits)
    with torch.autocast(
            device_type=student_logits.device.type, enabled=False):
        p = teacher_probs.detach().to(dtype)
        w = (p.sum(dim=1) > 0.5).to(dtype)
        if weight is not None:
            w = w * weight.to(dtype)
        total = _KLDivergenceSum.apply(
            student_logits.to(dtype) / temperature, p, w, float(temperature))
        return total / w.sum().clamp_min(torch.finfo(dtype).tiny)
