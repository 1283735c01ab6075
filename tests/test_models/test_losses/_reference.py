"""Independent dense references of the losses: one-hot, autograd, loops.

Written plainly from the definitions (DESIGN.md §1), sharing no code with
``mmseg_jml.models.losses.functional``. Pixel weights are a measure on the
pixels (every cardinality is a w-weighted sum, products included); class
weights multiply each class's loss and the means run over active classes
(the official JDTLosses ``losses/jdt_loss.py``).
"""
import torch
import torch.nn.functional as F


def dense_target(logits, target, weight=None, ignore_index=255):
    """(w, counted, y, x): pixel measure (N, H, W), dense y and x."""
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
    return w, w > 0, y, x


def set_loss(xs, ys, ws, variant, alpha, beta, gamma, smooth, log_loss):
    """The loss of one pixel set (flat tensors of one class; ws the
    measure of each pixel)."""
    if variant == 'jml1':
        inter = (ws * torch.minimum(xs, ys)).sum()
        fp = (ws * torch.relu(xs - ys)).sum()
        fn = (ws * torch.relu(ys - xs)).sum()
    elif variant == 'jml2':
        inter = (ws * xs * ys).sum()
        fp = (ws * torch.relu(xs - ys)).sum()
        fn = (ws * torch.relu(ys - xs)).sum()
    elif variant in ('sjl_l1', 'sjl'):
        inter = (ws * xs * ys).sum()
        fp = (ws * xs).sum() - inter
        fn = (ws * ys).sum() - inter
    elif variant == 'sjl_l2':
        inter = (ws * xs * ys).sum()
        fp = (ws * xs * xs).sum() - inter
        fn = (ws * ys * ys).sum() - inter
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
    w, counted, y, x = dense_target(logits, target, weight, ignore_index)
    n, c = logits.shape[:2]
    mode = active_classes or ('present' if target.ndim == 3 else 'all')
    act = active_mask(x, y, counted, mode, threshold)
    cw = [1.0] * c if class_weight is None else [float(v) for v in class_weight]
    args = (variant, alpha, beta, gamma, smooth, log_loss)
    total = logits.sum() * 0
    if weight_dataset:
        losses = []
        for k in range(c):
            if act[:, k].any():
                wk = w.flatten()
                lk = set_loss(x[:, k].flatten(), y[:, k].flatten(), wk, *args)
                losses.append(cw[k] * lk)
        if losses:
            total = total + weight_dataset * sum(losses) / len(losses)
    per = [[set_loss(x[i, k].flatten(), y[i, k].flatten(), w[i].flatten(),
                     *args) for k in range(c)] for i in range(n)]
    if weight_image:
        images = []
        for i in range(n):
            losses = [cw[k] * per[i][k] for k in range(c) if act[i, k]]
            if losses:
                images.append(sum(losses) / len(losses))
        if images:
            total = total + weight_image * sum(images) / len(images)
    if weight_class:
        classes = []
        for k in range(c):
            imgs = [per[i][k] for i in range(n) if act[i, k]]
            if imgs:
                classes.append(cw[k] * sum(imgs) / len(imgs))
        if classes:
            total = total + weight_class * sum(classes) / len(classes)
    return total


def reference_ce(logits, target, weight=None, class_weight=None,
                 ignore_index=255):
    w, _, y, x = dense_target(logits, target, weight, ignore_index)
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
