r"""Pseudo labels of a teacher and AugSeg's adaptive label-aided CutMix.

The functional cores of :class:`~mmseg_jml.models.segmentors.
SemiEncoderDecoder` (Zhao et al., "Augmentation Matters", CVPR 2023; the
JML paper's semi-supervised baseline). With :math:`p` the teacher's
per-pixel class probabilities on the weak view of an unlabelled image,

.. math::

    \hat y = \arg\max_c p_c, \qquad m = \max_c p_c, \qquad
    c_i = \frac{1}{HW} \sum_{\text{pixels of } i}
          \Bigl(1 - \frac{H(p)}{\log C}\Bigr)\, m,

where :math:`H(p) = -\sum_c p_c \log p_c` is the pixel entropy:
:math:`\hat y` is the hard pseudo label, :math:`m` the pixel confidence
and :math:`c_i` the image confidence that drives the adaptive label
injection of :func:`adaptive_label_cutmix`.
"""
import math
from typing import List, Sequence, Tuple

import torch
from torch import Tensor

__all__ = [
    'pseudo_label_confidence', 'image_confidence', 'random_boxes',
    'adaptive_label_cutmix'
]


def _check_probs(probs: Tensor) -> None:
    if not isinstance(probs, Tensor) or not probs.is_floating_point():
        raise TypeError(f'expected probs to be a floating torch.Tensor, got '
                        f'{getattr(probs, "dtype", type(probs).__name__)}')
    if probs.ndim != 4 or probs.shape[1] < 2:
        raise ValueError(f'expected probs of shape (N, C, H, W) with C >= 2, '
                         f'got {tuple(probs.shape)}')


def pseudo_label_confidence(probs: Tensor) -> Tuple[Tensor, Tensor]:
    r"""Hard pseudo label :math:`\hat y` and pixel confidence :math:`m`.

    Args:
        probs (Tensor): (N, C, H, W) class probabilities.

    Returns:
        tuple[Tensor, Tensor]: (N, H, W) int64 labels and (N, H, W)
        confidences (the maximal probability).

    Raises:
        TypeError: If ``probs`` is not a floating tensor.
        ValueError: If ``probs`` is not (N, C, H, W) with C >= 2.
    """
    _check_probs(probs)
    confidence, label = probs.max(dim=1)
    return label, confidence


def image_confidence(probs: Tensor) -> Tensor:
    r"""Per-image confidence :math:`c_i` (module docstring).

    .. math::

        c_i = \frac{1}{HW} \sum_p \Bigl(1 + \frac{\sum_c p_c \log p_c}
              {\log C}\Bigr) \max_c p_c

    (:math:`0 \log 0 = 0`).

    Args:
        probs (Tensor): (N, C, H, W) class probabilities.

    Returns:
        Tensor: (N,) confidences in [0, 1].

    Raises:
        TypeError: If ``probs`` is not a floating tensor.
        ValueError: If ``probs`` is not (N, C, H, W) with C >= 2.
    """
    _check_probs(probs)
    plogp = torch.where(probs > 0, probs * torch.log(probs.clamp_min(1e-30)),
                        torch.zeros_like(probs))
    normalised_entropy = -plogp.sum(dim=1) / math.log(probs.shape[1])
    weighted = (1.0 - normalised_entropy) * probs.max(dim=1).values
    return weighted.flatten(1).mean(dim=1)


def random_boxes(num: int, height: int, width: int,
                 lam: float) -> Tensor:
    r"""CutMix boxes of AugSeg: one size per call, one centre per image.

    The box has sides :math:`\lfloor H\sqrt{1-\lambda}\rfloor` and
    :math:`\lfloor W\sqrt{1-\lambda}\rfloor`; its centre is drawn uniformly
    from the integers :math:`[\lfloor H/8\rfloor, H) \times
    [\lfloor W/8\rfloor, W)`; the box is the centre :math:`\pm` half the
    side (integer division), clipped to the image.

    Args:
        num (int): Number of boxes.
        height (int): Image height ``H``.
        width (int): Image width ``W``.
        lam (float): :math:`\lambda \in [0, 1]`.

    Returns:
        Tensor: (num, 4) int64 boxes ``(top, bottom, left, right)``, rows
        ``top:bottom`` and columns ``left:right``.
    """
    cut = math.sqrt(1.0 - lam)
    cut_h, cut_w = int(height * cut), int(width * cut)
    cy = torch.randint(height // 8, height, (num, ))
    cx = torch.randint(width // 8, width, (num, ))
    top = (cy - cut_h // 2).clamp(0, height)
    bottom = (cy + cut_h // 2).clamp(0, height)
    left = (cx - cut_w // 2).clamp(0, width)
    right = (cx + cut_w // 2).clamp(0, width)
    return torch.stack([top, bottom, left, right], dim=1)


def _check_group(name: str, tensors: Sequence[Tensor]) -> Tuple[int, tuple]:
    if not isinstance(tensors, (list, tuple)) or len(tensors) == 0:
        raise TypeError(f'expected {name} to be a non-empty list of tensors, '
                        f'got {type(tensors).__name__}')
    for tensor in tensors:
        if not isinstance(tensor, Tensor) or tensor.ndim < 3:
            raise ValueError(f'expected every tensor of {name} to be '
                             f'(N, ..., H, W), got '
                             f'{getattr(tensor, "shape", type(tensor))}')
    sizes = {(t.shape[0], tuple(t.shape[-2:])) for t in tensors}
    if len(sizes) != 1:
        raise ValueError(f'expected the tensors of {name} to share N, H and '
                         f'W, got {sorted(sizes)}')
    return sizes.pop()


def adaptive_label_cutmix(unlabeled: Sequence[Tensor],
                          labeled: Sequence[Tensor],
                          confidence: Tensor,
                          beta_labeled: Tuple[float, float] = (8.0, 2.0),
                          beta_unlabeled: Tuple[float, float] = (4.0, 4.0),
                          adaptive: bool = True) -> List[Tensor]:
    r"""AugSeg's adaptive label-aided CutMix of an unlabelled batch.

    ``unlabeled`` and ``labeled`` are aligned groups of tensors (e.g.
    ``[strong image, pseudo label, confidence, soft target]`` and
    ``[labelled image, ground truth, ones, one-hot ground truth]``); every
    tensor of both groups is cut by the same boxes. With one permutation
    :math:`\pi` of the unlabelled batch and
    :math:`\lambda_l \sim \mathrm{Beta}(8, 2)`,
    :math:`\lambda_u \sim \mathrm{Beta}(4, 4)` drawn once per call
    (boxes from :func:`random_boxes`):

    1. label injection: a copy :math:`U'` of ``unlabeled``; with probability
       :math:`1 - c_i` (always if ``adaptive`` is False), the labelled box
       :math:`b^l_i` of :math:`U'_i` is overwritten by labelled sample
       :math:`\pi(i) \bmod N_l`;
    2. unlabelled CutMix: the box :math:`b^u_i` of :math:`U_i` is
       overwritten by :math:`U'_{\pi(i)}`.

    So a low-confidence image receives more labelled content, and a
    labelled patch survives where :math:`b^l_{\pi(i)}` meets
    :math:`b^u_i`. The inputs are not modified.

    Args:
        unlabeled (Sequence[Tensor]): (N, ..., H, W) tensors of the
            unlabelled batch.
        labeled (Sequence[Tensor]): (N_l, ..., H, W) tensors of the labelled
            batch, one per tensor of ``unlabeled``, each with its partner's
            dtype and trailing shape.
        confidence (Tensor): (N,) image confidences :math:`c_i` in [0, 1].
        beta_labeled (tuple[float, float]): Beta parameters of
            :math:`\lambda_l`. Defaults to (8.0, 2.0).
        beta_unlabeled (tuple[float, float]): Beta parameters of
            :math:`\lambda_u`. Defaults to (4.0, 4.0).
        adaptive (bool): Whether label injection fires with probability
            :math:`1 - c_i` (AugSeg) rather than always. Defaults to True.

    Returns:
        list[Tensor]: The mixed unlabelled tensors, in input order.

    Raises:
        TypeError: If the groups are not non-empty lists of tensors.
        ValueError: On mismatched shapes or group lengths.
    """
    num, (height, width) = _check_group('unlabeled', unlabeled)
    num_labeled, labeled_hw = _check_group('labeled', labeled)
    if len(unlabeled) != len(labeled):
        raise ValueError(f'expected one labeled tensor per unlabeled tensor, '
                         f'got {len(labeled)} and {len(unlabeled)}')
    if labeled_hw != (height, width):
        raise ValueError(f'expected labeled tensors of size {(height, width)}'
                         f', got {labeled_hw}')
    for u, lab in zip(unlabeled, labeled):
        if u.shape[1:] != lab.shape[1:] or u.dtype != lab.dtype:
            raise ValueError(
                f'expected labeled partners of the same dtype and trailing '
                f'shape, got {lab.dtype} {tuple(lab.shape)} for '
                f'{u.dtype} {tuple(u.shape)}')
    if confidence.shape != (num, ):
        raise ValueError(f'expected confidence of shape ({num},), got '
                         f'{tuple(confidence.shape)}')
    device = unlabeled[0].device
    perm = torch.randperm(num)
    lam_l = float(torch.distributions.Beta(*beta_labeled).sample())
    lam_u = float(torch.distributions.Beta(*beta_unlabeled).sample())
    boxes_l = random_boxes(num, height, width, lam_l)
    boxes_u = random_boxes(num, height, width, lam_u)
    inject = torch.rand(num) > confidence.detach().float().cpu()
    if not adaptive:
        inject = torch.ones(num, dtype=torch.bool)
    injected = [u.clone() for u in unlabeled]
    for i in range(num):
        if not bool(inject[i]):
            continue
        top, bottom, left, right = boxes_l[i].tolist()
        source = int(perm[i]) % num_labeled
        for target, lab in zip(injected, labeled):
            target[i, ..., top:bottom, left:right] = \
                lab[source, ..., top:bottom, left:right].to(device)
    mixed = [u.clone() for u in unlabeled]
    for i in range(num):
        top, bottom, left, right = boxes_u[i].tolist()
        source = int(perm[i])
        for target, src in zip(mixed, injected):
            target[i, ..., top:bottom, left:right] = \
                src[source, ..., top:bottom, left:right]
    return mixed
