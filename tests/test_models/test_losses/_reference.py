"""Independent dense references of the losses: one-hot, autograd, loops.

Written plainly from the definitions (DESIGN.md §1), sharing no code with
``mmseg_jml.models.losses.functional``.
"""
import torch
import torch.nn.functional as F


def dense_target(logits, target, weight=None, ignore_index=255):
    """(x', y', counted, y, x) with x' = w x, y' = w y, dense (N, C, H, W)."""
    x = torch.softmax(logits, dim=1)
    c = logits.shape[1]
    if target.ndim == 3:
        valid = target != ignore_index
        y = F.one_hot(torch.where(valid, target, 0).long(), c)
        y = y.permute(0, 3, 1, 2).to(x) * valid[:, None].to(x)
        w = valid.to(x)
    else:
        y = target.to(x)
        w = (y.sum(1) > 0.5).to(x)
    if weight is not None:
        w = w * weight.reshape(w.shape).to(x)
    return x * w[:, None], y * w[:, None], w > 0, y, x


def set_loss(xs, ys, variant, alpha, beta, gamma, smooth, log_loss):
    """The loss of one pixel set (flat tensors of one class)."""
    if variant == 'jml1':
        inter = torch.minimum(xs, ys).sum()
        fp = torch.relu(xs - ys).sum()
        fn = torch.relu(ys - xs).sum()
    elif variant == 'jml2':
        inter = (xs * ys).sum()
        fp = torch.relu(xs - ys).sum()
        fn = torch.relu(ys - xs).sum()
    elif variant in ('sjl_l1', 'sjl'):
        inter = (xs * ys).sum()
        fp = xs.sum() - inter
        fn = ys.sum() - inter
    elif variant == 'sjl_l2':
        inter = (xs * ys).sum()
        fp = (xs * xs).sum() - inter
        fn = (ys * ys).sum() - inter
    else:
        raise AssertionError(variant)
    score = (inter + smooth) / (inter + alpha * fp + beta * fn + smooth)
    loss = -torch.log(score) if log_loss else 1 - score
    return loss**gamma


def active_mask(x, y, counted, mode, threshold):
    """(N, C) bool: which classes are active in which image."""
    n, c = x.shape[:2]
    act = torch.zeros(n, c, dtype=torch.bool)
    for i in range(n):
        m = counted[i]
        for k in range(c):
            if mode == 'all':
                act[i, k] = True
            elif mode == 'present':
                act[i, k] = bool((y[i].argmax(0)[m] == k).any())
            elif mode == 'label':
                act[i, k] = bool((y[i, k][m] > threshold).any())
            elif mode == 'prob':
                act[i, k] = bool((x[i, k][m] > threshold).any())
            elif mode == 'both':
                act[i, k] = bool(((x[i, k] + y[i, k])[m] > threshold).any())
    return act


def reference_jml(logits,
                  target,
                  weight=None,
                  variant='jml1',
                  alpha=1.0,
                  beta=1.0,
                  gamma=1.0,
                  smooth=1.0,
                  log_loss=False,
                  weight_dataset=1.0,
                  weight_image=0.0,
                  weight_class=0.0,
                  active_classes=None,
                  threshold=0.01,
                  class_weight=None,
                  ignore_index=255):
    xw, yw, counted, y, x = dense_target(logits, target, weight, ignore_index)
    n, c = logits.shape[:2]
    mode = active_classes or ('present' if target.ndim == 3 else 'all')
    act = active_mask(x, y, counted, mode, threshold)
    cw = [1.0] * c if class_weight is None else [float(v) for v in class_weight]
    args = (variant, alpha, beta, gamma, smooth, log_loss)
    total = logits.sum() * 0
    if weight_dataset:
        num, den = 0, 0
        for k in range(c):
            if act[:, k].any() and cw[k] > 0:
                lk = set_loss(xw[:, k].flatten(), yw[:, k].flatten(), *args)
                num, den = num + cw[k] * lk, den + cw[k]
        if den:
            total = total + weight_dataset * num / den
    per = [[set_loss(xw[i, k].flatten(), yw[i, k].flatten(), *args)
            for k in range(c)] for i in range(n)]
    if weight_image:
        images = []
        for i in range(n):
            num, den = 0, 0
            for k in range(c):
                if act[i, k] and cw[k] > 0:
                    num, den = num + cw[k] * per[i][k], den + cw[k]
            if den:
                images.append(num / den)
        if images:
            total = total + weight_image * sum(images) / len(images)
    if weight_class:
        num, den = 0, 0
        for k in range(c):
            imgs = [per[i][k] for i in range(n) if act[i, k]]
            if imgs and cw[k] > 0:
                num = num + cw[k] * sum(imgs) / len(imgs)
                den = den + cw[k]
        if den:
            total = total + weight_class * num / den
    return total


def reference_ce(logits, target, weight=None, class_weight=None,
                 ignore_index=255):
    _, _, counted, y, x = dense_target(logits, target, weight, ignore_index)
    w = counted.to(x)
    if weight is not None:
        w = w * weight.reshape(w.shape).to(x)
    cw = torch.ones(logits.shape[1], dtype=x.dtype) if class_weight is None \
        else torch.as_tensor(class_weight, dtype=x.dtype)
    yc = y * cw.view(1, -1, 1, 1)
    num = -(w[:, None] * yc * torch.log(x)).sum()
    den = (w[:, None] * yc).sum()
    return num / den if den > 0 else num * 0


def reference_kl(student, teacher, weight=None, temperature=1.0):
    log_q = torch.log_softmax(student / temperature, dim=1)
    per = F.kl_div(log_q, teacher.to(log_q), reduction='none').sum(1)
    w = (teacher.sum(1) > 0.5).to(log_q)
    if weight is not None:
        w = w * weight.to(log_q)
    if w.sum() == 0:
        return per.sum() * 0
    return temperature**2 * (per * w).sum() / w.sum()


def random_inputs(kind, n=3, c=5, h=6, w=7, seed=0, dtype=torch.float64,
                  ignore_frac=0.15, absent=(3, ), ignore_index=255):
    """Logits (requires grad), a target of ``kind`` and pixel weights.

    Classes in ``absent`` never appear in the hard target (so 'present'
    differs from 'all'); soft targets are peaked but never exact one-hots.
    """
    g = torch.Generator().manual_seed(seed)
    logits = (2 * torch.randn(n, c, h, w, generator=g, dtype=dtype))
    logits.requires_grad_(True)
    labels = torch.randint(0, c, (n, h, w), generator=g)
    for k in absent:
        labels[labels == k] = 0
    ign = torch.rand(n, h, w, generator=g) < ignore_frac
    if kind == 'hard':
        target = labels.masked_fill(ign, ignore_index)
    else:
        target = torch.softmax(
            3 * torch.randn(n, c, h, w, generator=g, dtype=dtype), dim=1)
        target = target * (~ign)[:, None].to(dtype)
    weight = torch.rand(n, h, w, generator=g, dtype=dtype)
    weight[weight < 0.2] = 0
    return logits, target, weight
