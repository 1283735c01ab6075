"""The functional core against the dense reference, hand-derived values,
gradcheck of the custom backward and degenerate batches."""
import itertools

import pytest
import torch
from _reference import (random_inputs, reference_ce, reference_jml,
                        reference_kl)

from mmseg_jml.models.losses import functional as FJ

VARIANTS = ['jml1', 'jml2', 'sjl_l1', 'sjl_l2']
MODES = ['all', 'present', 'label', 'prob', 'both']
TERMS = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.5, 0.3, 0.2)]


def _compare(kind, use_weight=True, seed=0, **kwargs):
    logits, target, weight = random_inputs(kind, seed=seed)
    weight = weight if use_weight else None
    ours = FJ.jaccard_metric_loss(logits, target, weight, **kwargs)
    g_ours, = torch.autograd.grad(ours, logits)
    ref = reference_jml(logits, target, weight, **kwargs)
    g_ref, = torch.autograd.grad(ref, logits)
    assert ours.dtype == torch.float64
    torch.testing.assert_close(ours, ref, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(g_ours, g_ref, rtol=1e-7, atol=1e-12)
    return ours


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('variant', VARIANTS)
@pytest.mark.parametrize('mode', MODES)
@pytest.mark.parametrize('terms', TERMS)
def test_matches_reference_variants_modes_terms(kind, variant, mode, terms):
    wd, wi, wc = terms
    _compare(kind, variant=variant, active_classes=mode, threshold=0.3,
             weight_dataset=wd, weight_image=wi, weight_class=wc)


OPTIONS = [
    dict(alpha=0.5, beta=0.5),
    dict(alpha=0.3, beta=0.7, smooth=0.0),
    dict(gamma=2.0),
    dict(gamma=1.5, log_loss=True),
    dict(log_loss=True, smooth=0.5),
    dict(class_weight=torch.tensor([1.0, 0.5, 2.0, 0.0, 3.0],
                                   dtype=torch.float64)),
    dict(active_classes='all', smooth=0.0),
    dict(active_classes=None),
]


# sjl_l2 requires alpha == beta (test_sjl_l2_rejects_unequal_alpha_beta)
VARIANT_OPTIONS = [
    pytest.param(v, o, id=f'{v}-' + '-'.join(o)) for v in VARIANTS
    for o in OPTIONS
    if v != 'sjl_l2' or o.get('alpha', 1.0) == o.get('beta', 1.0)
]


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('variant,options', VARIANT_OPTIONS)
@pytest.mark.parametrize('use_weight', [True, False])
def test_matches_reference_options(kind, variant, options, use_weight):
    _compare(kind, use_weight, seed=1, variant=variant, weight_dataset=0.6,
             weight_image=0.2, weight_class=0.2, **options)


def test_hand_derived_example():
    # two pixels, logits 0 -> x = 0.5 for both classes, labels (0, 1):
    # per class I = sum min = 0.5, fp = fn = 0.5, U = 1.5
    logits = torch.zeros(1, 2, 1, 2, dtype=torch.float64)
    labels = torch.tensor([[[0, 1]]])
    kw = dict(weight_dataset=1.0)
    assert FJ.jaccard_metric_loss(logits, labels, smooth=0.0,
                                  **kw).item() == pytest.approx(2 / 3)
    # smoothed: 1 - (0.5 + 1) / (1.5 + 1) = 0.4
    assert FJ.jaccard_metric_loss(logits, labels,
                                  **kw).item() == pytest.approx(0.4)
    # Dice: 1 - 0.5 / (0.5 + 0.25 + 0.25) = 0.5; squared: 0.25
    assert FJ.jaccard_metric_loss(
        logits, labels, alpha=0.5, beta=0.5, smooth=0.0,
        gamma=2.0).item() == pytest.approx(0.25)
    # log loss: -log(1/3)
    assert FJ.jaccard_metric_loss(
        logits, labels, smooth=0.0,
        log_loss=True).item() == pytest.approx(1.0986122886681098)
    # soft target (0.25, 0.75) at both pixels, class 0: x = (0.5, 0.5),
    # y = (0.25, 0.25): JML1 I = 0.5, U = 1 -> 0.5; class 1: y = (0.75,
    # 0.75): I = 1, U = 1.5 -> 1/3; mean 5/12.  JML2 class 0: I = 0.25,
    # |x-y| = 0.5 -> 1 - 1/3; class 1: I = 0.75, |x-y| = 0.5 -> 1 - 0.6
    soft = torch.tensor([0.25, 0.75], dtype=torch.float64).view(1, 2, 1, 1)
    soft = soft.expand(1, 2, 1, 2)
    assert FJ.jaccard_metric_loss(logits, soft,
                                  smooth=0.0).item() == pytest.approx(5 / 12)
    assert FJ.jaccard_metric_loss(
        logits, soft, variant='jml2',
        smooth=0.0).item() == pytest.approx((2 / 3 + 0.4) / 2)


@pytest.mark.parametrize('kind', ['hard', 'soft'])
def test_hard_statistics_equal_dense_statistics(kind):
    logits, target, weight = random_inputs('hard', seed=2)
    onehot = torch.nn.functional.one_hot(
        torch.where(target == 255, 0, target), 5).permute(0, 3, 1, 2)
    soft = onehot.double() * (target != 255)[:, None]
    for variant in VARIANTS:
        hard_s = FJ.hard_class_statistics(logits, target, weight,
                                          variant=variant)
        soft_s = FJ.soft_class_statistics(logits, soft, weight,
                                          variant=variant,
                                          active_classes='present')
        for name in hard_s._fields:
            a, b = getattr(hard_s, name), getattr(soft_s, name)
            if a is not None and b is not None:
                torch.testing.assert_close(a, b, msg=name)


@pytest.mark.parametrize('squares', [False, True])
@pytest.mark.parametrize('max_mode', [0, 1, 2])
def test_gradcheck_hard_function(squares, max_mode):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 9, dtype=torch.float64, generator=g)
    logits.requires_grad_(True)
    labels = torch.randint(0, 4, (2, 9), generator=g)
    weight = torch.rand(2, 9, dtype=torch.float64, generator=g)
    weight[0, :2] = 0

    def fn(z):
        return FJ._HardStatistics.apply(z, labels, weight, squares,
                                        max_mode)[:4]

    assert torch.autograd.gradcheck(fn, (logits, ))


@pytest.mark.parametrize('flags', list(itertools.product([False, True],
                                                         repeat=3)))
def test_gradcheck_soft_function(flags):
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 4, 9, dtype=torch.float64, generator=g)
    logits.requires_grad_(True)
    target = torch.softmax(torch.randn(2, 4, 9, dtype=torch.float64,
                                       generator=g), 1)
    weight = torch.rand(2, 9, dtype=torch.float64, generator=g)

    def fn(z):
        return FJ._SoftStatistics.apply(z, target, weight, *flags, 0)[:4]

    assert torch.autograd.gradcheck(fn, (logits, ))


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('terms', TERMS)
def test_every_pixel_ignored_gives_zero_and_finite_grad(kind, terms):
    logits, target, _ = random_inputs(kind)
    if kind == 'hard':
        target = torch.full_like(target, 255)
    else:
        target = torch.zeros_like(target)
    wd, wi, wc = terms
    for mode in MODES[1:]:
        loss = FJ.jaccard_metric_loss(logits, target, active_classes=mode,
                                      weight_dataset=wd, weight_image=wi,
                                      weight_class=wc, smooth=0.0)
        grad, = torch.autograd.grad(loss, logits)
        assert loss.item() == 0.0
        assert torch.all(grad == 0)
    # zero pixel weights too
    loss = FJ.jaccard_metric_loss(logits, target,
                                  torch.zeros(3, 6, 7, dtype=torch.float64))
    assert loss.item() == 0.0


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('c', [2, 3])
def test_degenerate_class_counts_are_finite(kind, c):
    logits, target, weight = random_inputs(kind, c=c, absent=())
    if kind == 'hard':
        target = torch.where(target == 255, 255, 0)  # a single class
    for mode in MODES:
        for smooth in (0.0, 1.0):
            _compare_finite(logits, target, weight, mode, smooth)


def _compare_finite(logits, target, weight, mode, smooth):
    loss = FJ.jaccard_metric_loss(logits, target, weight, smooth=smooth,
                                  active_classes=mode, weight_image=0.5,
                                  weight_class=0.5)
    grad, = torch.autograd.grad(loss, logits)
    assert torch.isfinite(loss) and torch.isfinite(grad).all()
    ref = reference_jml(logits, target, weight, smooth=smooth,
                        active_classes=mode, weight_image=0.5,
                        weight_class=0.5)
    torch.testing.assert_close(loss, ref)


def test_nothing_active_is_zero():
    logits, target, _ = random_inputs('soft')
    loss = FJ.jaccard_metric_loss(logits, target, active_classes='prob',
                                  threshold=1.5)
    grad, = torch.autograd.grad(loss, logits)
    assert loss.item() == 0.0 and torch.all(grad == 0)


def test_empty_sets_score_one_without_smoothing():
    zero = torch.zeros(4, dtype=torch.float64)
    for variant in VARIANTS:
        assert FJ.jaccard_distance(zero, zero, variant).item() == 0.0
    score = FJ.tversky_score(torch.zeros(2), torch.zeros(2), torch.zeros(2),
                             smooth=0.0)
    assert torch.equal(score, torch.ones(2))


def test_tversky_terms_rejects_missing_sums():
    logits, target, _ = random_inputs('soft')
    stats = FJ.soft_class_statistics(logits, target, variant='jml1')
    assert stats.sum_prod is None
    with pytest.raises(ValueError, match="expected statistics computed for "
                       "variant 'jml2'"):
        FJ.tversky_terms(stats, 'jml2')


def test_all_reduce_sum_is_identity_without_process_group():
    t = torch.randn(3, requires_grad=True)
    assert FJ.all_reduce_sum(t) is t


def test_sjl_alias():
    logits, target, _ = random_inputs('soft')
    a = FJ.jaccard_metric_loss(logits, target, variant='sjl')
    b = FJ.jaccard_metric_loss(logits, target, variant='sjl_l1')
    assert a.item() == b.item()


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('use_cw', [False, True])
def test_soft_cross_entropy_matches_reference(kind, use_cw):
    logits, target, weight = random_inputs(kind, seed=3)
    cw = torch.tensor([1.0, 0.5, 2.0, 1.0, 3.0],
                      dtype=torch.float64) if use_cw else None
    ours = FJ.soft_cross_entropy(logits, target, weight, cw)
    ref = reference_ce(logits, target, weight, cw)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(
        torch.autograd.grad(ours, logits)[0],
        torch.autograd.grad(ref, logits)[0])
    if kind == 'hard':
        torch.testing.assert_close(
            FJ.soft_cross_entropy(logits, target, class_weight=cw),
            torch.nn.functional.cross_entropy(
                logits, target, weight=cw, ignore_index=255))


@pytest.mark.parametrize('temperature', [1.0, 2.5])
def test_kl_divergence_matches_reference(temperature):
    logits, target, weight = random_inputs('soft', seed=4)
    target[0, :, 0, 0] = torch.tensor([1.0, 0, 0, 0, 0])  # exact zeros
    ours = FJ.kl_divergence(logits, target, weight, temperature)
    ref = reference_kl(logits, target, weight, temperature)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(
        torch.autograd.grad(ours, logits)[0],
        torch.autograd.grad(ref, logits)[0])
    # zero at teacher = student
    same = torch.softmax(logits.detach() / temperature, 1)
    assert FJ.kl_divergence(logits, same, None,
                            temperature).item() == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize('temperature', [1.0, 2.5])
@pytest.mark.parametrize('mass', ['simplex', 'partial'])
def test_gradcheck_kl_divergence(temperature, mass):
    """The analytic KL backward, T w (m q - p), against finite differences:
    teacher vectors on the simplex (with exact zeros) and, for ``partial``,
    vectors of mass m != 1 (0.7) and all-zero (uncounted) pixels."""
    g = torch.Generator().manual_seed(5)
    logits = torch.randn(2, 4, 3, 5, dtype=torch.float64, generator=g)
    logits.requires_grad_(True)
    teacher = torch.softmax(
        torch.randn(2, 4, 3, 5, dtype=torch.float64, generator=g), 1)
    teacher[0, :, 0, 0] = torch.tensor([0.0, 1.0, 0.0, 0.0])
    if mass == 'partial':
        teacher[1, :, 1] *= 0.7
        teacher[1, :, 2, :2] = 0.0
    weight = torch.rand(2, 3, 5, dtype=torch.float64, generator=g)

    def fn(z):
        return FJ.kl_divergence(z, teacher, weight, temperature,
                                check_inputs=False)

    assert torch.autograd.gradcheck(fn, (logits, ))
    torch.testing.assert_close(
        fn(logits), reference_kl(logits, teacher, weight, temperature))


def test_kl_divergence_double_backward_raises():
    """Its analytic backward has no second derivative: asking for a graph
    of the gradient raises (rather than silently treating it as
    constant)."""
    logits, target, weight = random_inputs('soft', seed=6)
    loss = FJ.kl_divergence(logits, target, weight, 2.0)
    with pytest.raises(RuntimeError, match='differentiate twice'):
        torch.autograd.grad(loss, logits, create_graph=True)


# --------------------------------------------------------------------------
# hardening (issue 13, items 1-6) and the official class weights (issue 10)
# --------------------------------------------------------------------------
BAD_CLASS_WEIGHTS = [
    ([1.0, -3.0, 1.0, 1.0, 1.0], ValueError, 'finite and non-negative'),
    ([1.0, float('nan'), 1.0, 1.0, 1.0], ValueError,
     'finite and non-negative'),
    ([1.0, float('inf'), 1.0, 1.0, 1.0], ValueError,
     'finite and non-negative'),
    ([0.0] * 5, ValueError, 'at least one positive'),
]


def _stats(logits, target):
    return FJ.hard_class_statistics(logits, target)


@pytest.mark.parametrize('values,exc,match', BAD_CLASS_WEIGHTS)
@pytest.mark.parametrize('fn', ['jaccard_metric_loss', 'soft_cross_entropy',
                                'loss_from_statistics'])
def test_functional_class_weight_values_are_validated(fn, values, exc, match):
    """Negative, NaN, infinite or all-zero class weights in the functional
    API raise as they do in the modules (JML gave -2.6e36 for [1, -3, ...])."""
    logits, target, _ = random_inputs('hard')
    cw = torch.tensor(values, dtype=torch.float64)
    with pytest.raises(exc, match=match):
        if fn == 'loss_from_statistics':
            FJ.loss_from_statistics(_stats(logits, target), class_weight=cw)
        else:
            getattr(FJ, fn)(logits, target, class_weight=cw)


@pytest.mark.parametrize('fn', ['jaccard_metric_loss', 'soft_cross_entropy'])
def test_functional_class_weight_type_and_shape(fn):
    logits, target, _ = random_inputs('hard')
    with pytest.raises(TypeError, match='expected class_weight to be None or '
                       'a real tensor, got list'):
        getattr(FJ, fn)(logits, target, class_weight=[1.0] * 5)
    with pytest.raises(ValueError, match=r'expected a 1-D class_weight of '
                       r'length C = 5, got shape \(1, 5\)'):
        getattr(FJ, fn)(logits, target, class_weight=torch.ones(1, 5))


@pytest.mark.parametrize('value,match', [
    (2.0, r'smoothing values in \[0, 1\], got values in \[0, 2\]'),
    (-0.5, r'smoothing values in \[0, 1\], got values in \[-0.5, 0\]'),
    (float('nan'), 'finite smoothing map'),
    (float('inf'), 'finite smoothing map'),
])
@pytest.mark.parametrize('fn', ['jaccard_metric_loss', 'soft_cross_entropy'])
@pytest.mark.parametrize('check_inputs', [True, False])
def test_smoothing_map_out_of_range_or_not_finite_raises(
        fn, value, match, check_inputs):
    """A smoothing map outside [0, 1] gives an off-simplex target, a NaN one
    a loss of exactly 0: both raise, with or without check_inputs."""
    logits, target, _ = random_inputs('hard')
    smoothing = torch.zeros(target.shape, dtype=torch.float64)
    smoothing[0, 1, 2] = value
    with pytest.raises(ValueError, match=match):
        getattr(FJ, fn)(logits, target, smoothing=smoothing,
                        check_inputs=check_inputs)


@pytest.mark.parametrize('alpha,beta', [(0.3, 0.7), (1.0, 0.0), (2.0, 1.0)])
def test_sjl_l2_rejects_unequal_alpha_beta(alpha, beta):
    logits, target, _ = random_inputs('soft')
    with pytest.raises(ValueError, match=r"expected alpha == beta with "
                       r"variant 'sjl_l2'.*got alpha="):
        FJ.jaccard_metric_loss(logits, target, variant='sjl_l2', alpha=alpha,
                               beta=beta)


def test_sjl_l2_unequal_alpha_beta_was_unsound():
    """Why: with alpha != beta a wrong prediction can score 1 (zero loss,
    zero gradient) because SJL-L2's fp and fn are not signed errors. Here
    x = (0.5, 0.5), y = (1, 0): <x, y> = 0.5, |x|^2 = 0.5, |y|^2 = 1, so
    fp = 0 and fn = 0.5; beta = 0 ignores fn entirely."""
    x = torch.tensor([0.5, 0.5], dtype=torch.float64)
    y = torch.tensor([1.0, 0.0], dtype=torch.float64)
    assert FJ.jaccard_distance(x, y, 'sjl_l2', alpha=1.0,
                               beta=0.0).item() == 0.0
    # with alpha == beta the distance is positive: 1 - 0.5 / (0.5 + 0.5)
    assert FJ.jaccard_distance(x, y, 'sjl_l2').item() == pytest.approx(0.5)


@pytest.mark.parametrize('kind', ['hard', 'soft', 'smoothed'])
@pytest.mark.parametrize('variant', VARIANTS)
def test_double_backward_raises(kind, variant):
    """The hand-written backward functions are once-differentiable: a
    gradient penalty (create_graph=True, then backward) raises instead of
    silently using wrong second derivatives."""
    logits, target, weight = random_inputs('soft' if kind == 'soft' else
                                           'hard')
    smoothing = None
    if kind == 'smoothed':
        smoothing = torch.full(target.shape, 0.3, dtype=torch.float64)
    loss = FJ.jaccard_metric_loss(logits, target, weight, variant=variant,
                                  weight_image=0.5, smoothing=smoothing)
    grad, = torch.autograd.grad(loss, logits, create_graph=True)
    with pytest.raises(RuntimeError, match='differentiate twice'):
        grad.pow(2).sum().backward()


def test_all_reduce_sum_double_backward_raises(tmp_path):
    import torch.distributed as dist
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/init',
                            rank=0, world_size=1)
    try:
        x = torch.randn(3, dtype=torch.float64, requires_grad=True)
        y = FJ._AllReduceSum.apply(x)
        grad, = torch.autograd.grad(y.pow(3).sum(), x, create_graph=True)
        torch.testing.assert_close(grad, 3 * x.detach()**2)
        with pytest.raises(RuntimeError, match='differentiate twice'):
            grad.sum().backward()
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('variant', VARIANTS)
@pytest.mark.parametrize('terms', TERMS)
def test_uniform_pixel_weight_only_rescales(kind, variant, terms):
    """Pixel weights are a measure: a uniform weight of 0.5 halves every
    statistic, so with smooth = 0 the loss is that of no weight (products
    used to take the weight squared, changing JML2 and SJL)."""
    logits, target, _ = random_inputs(kind)
    wd, wi, wc = terms
    kw = dict(variant=variant, smooth=0.0, weight_dataset=wd,
              weight_image=wi, weight_class=wc)
    half = torch.full((3, 6, 7), 0.5, dtype=torch.float64)
    torch.testing.assert_close(
        FJ.jaccard_metric_loss(logits, target, half, **kw),
        FJ.jaccard_metric_loss(logits, target, None, **kw))
    # and the statistics scale by exactly 0.5
    s_half = FJ.hard_class_statistics(logits, target, half, variant=variant) \
        if kind == 'hard' else FJ.soft_class_statistics(
            logits, target, half, variant=variant)
    s_one = FJ.hard_class_statistics(logits, target, variant=variant) \
        if kind == 'hard' else FJ.soft_class_statistics(
            logits, target, variant=variant)
    for name in ('sum_pred', 'sum_target', 'sum_min', 'sum_prod',
                 'sum_sq_pred', 'sum_sq_target'):
        a, b = getattr(s_half, name), getattr(s_one, name)
        if a is not None:
            torch.testing.assert_close(a, 0.5 * b, msg=name)


@pytest.mark.parametrize('smooth', [0.0, 1.0])
@pytest.mark.parametrize('terms', TERMS)
def test_jml1_jml2_sjl_agree_on_hard_labels_with_fractional_weights(
        smooth, terms):
    logits, target, weight = random_inputs('hard', seed=5)
    wd, wi, wc = terms
    values = [
        FJ.jaccard_metric_loss(logits, target, weight, variant=v,
                               smooth=smooth, weight_dataset=wd,
                               weight_image=wi, weight_class=wc)
        for v in ('jml1', 'jml2', 'sjl_l1')
    ]
    grads = [torch.autograd.grad(v, logits)[0] for v in values]
    for v, g in zip(values[1:], grads[1:]):
        torch.testing.assert_close(v, values[0])
        torch.testing.assert_close(g, grads[0])


def test_pixel_weight_hand_derived():
    # two pixels, x = 0.5 for both classes, labels (0, 1), weights (1, 0.5);
    # class 0: I = <x, y>_w = 0.5, |x|_w = 0.75, |y|_w = 1 -> SJL/JML
    # 1 - 0.5 / 1.25 = 0.6; class 1: I = 0.25, |x|_w = 0.75, |y|_w = 0.5
    # -> 1 - 0.25 / 1 = 0.75; mean 0.675 for every variant
    logits = torch.zeros(1, 2, 1, 2, dtype=torch.float64)
    labels = torch.tensor([[[0, 1]]])
    weight = torch.tensor([[[1.0, 0.5]]], dtype=torch.float64)
    for variant in ('jml1', 'jml2', 'sjl_l1'):
        assert FJ.jaccard_metric_loss(
            logits, labels, weight, variant=variant,
            smooth=0.0).item() == pytest.approx(0.675)
    # SJL-L2: |x|_2,w^2 = 0.375 per class; class 0: 1 - 0.5 / (0.375 + 1
    # - 0.5) = 3/7, class 1: 1 - 0.25 / (0.375 + 0.5 - 0.25) = 0.6
    assert FJ.jaccard_metric_loss(
        logits, labels, weight, variant='sjl_l2',
        smooth=0.0).item() == pytest.approx((3 / 7 + 0.6) / 2)


EMPTY_SHAPES = [(0, 5, 6, 7), (3, 5, 0, 7), (3, 5, 6, 0)]


@pytest.mark.parametrize('shape', EMPTY_SHAPES, ids=['N=0', 'H=0', 'W=0'])
@pytest.mark.parametrize('kind', ['hard', 'soft', 'smoothed'])
@pytest.mark.parametrize('variant', VARIANTS)
@pytest.mark.parametrize('mode', MODES)
def test_empty_batch_is_zero_with_zero_grad(shape, kind, variant, mode):
    """N = 0 or H W = 0: a defined loss of 0 with a zero gradient (it used
    to fail in reshape / amax)."""
    n, c, h, w = shape
    logits = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    smoothing = None
    if kind == 'soft':
        target = torch.softmax(torch.randn(shape, dtype=torch.float64), 1)
    else:
        target = torch.randint(0, c, (n, h, w))
        if kind == 'smoothed':
            smoothing = torch.full((n, h, w), 0.5)
    loss = FJ.jaccard_metric_loss(
        logits, target, torch.ones(n, h, w, dtype=torch.float64),
        variant=variant, active_classes=mode, weight_image=0.5,
        weight_class=0.5, class_weight=torch.ones(c), smoothing=smoothing)
    grad, = torch.autograd.grad(loss, logits)
    assert loss.item() == 0.0
    assert grad.shape == logits.shape and torch.all(grad == 0)


@pytest.mark.parametrize('shape', EMPTY_SHAPES, ids=['N=0', 'H=0', 'W=0'])
@pytest.mark.parametrize('kind', ['hard', 'soft'])
def test_empty_batch_cross_entropy_and_kl_are_zero(shape, kind):
    n, c, h, w = shape
    logits = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    soft = torch.softmax(torch.randn(shape, dtype=torch.float64), 1)
    target = soft if kind == 'soft' else torch.randint(0, c, (n, h, w))
    for loss in (FJ.soft_cross_entropy(logits, target),
                 FJ.kl_divergence(logits, soft)):
        grad, = torch.autograd.grad(loss, logits)
        assert loss.item() == 0.0 and torch.all(grad == 0)


def _three_pixel_case():
    # C = 3, logits 0 -> x = 1/3 everywhere. Image 0 labels (0, 0, 1),
    # image 1 labels (2, 2, 2). JML1, smooth 0, per (image, class):
    # img 0: class 0: I = 2/3, |x| = 1, |y| = 2, U = 7/3 -> 5/7;
    #        class 1: I = 1/3, U = 5/3 -> 4/5; class 2 absent (U = 1 -> 1)
    # img 1: class 2: I = 1, |x| = 1, |y| = 3, U = 3 -> 2/3
    logits = torch.zeros(2, 3, 1, 3, dtype=torch.float64)
    labels = torch.tensor([[[0, 0, 1]], [[2, 2, 2]]])
    cw = torch.tensor([2.0, 0.5, 7.0], dtype=torch.float64)
    return logits, labels, cw


def test_class_weight_multiplies_and_averages_over_active_classes():
    """Issue 10: the official JDTLosses (losses/jdt_loss.py) multiplies each
    class's loss by its weight and divides by the number of active classes,
    not by the sum of their weights."""
    logits, labels, cw = _three_pixel_case()
    kw = dict(smooth=0.0, class_weight=cw)
    # image 0 alone, present classes {0, 1}: (2 * 5/7 + 0.5 * 4/5) / 2
    assert FJ.jaccard_metric_loss(logits[:1], labels[:1], **kw).item() == \
        pytest.approx(32 / 35)
    # all classes: (2 * 5/7 + 0.5 * 4/5 + 7 * 1) / 3
    assert FJ.jaccard_metric_loss(logits[:1], labels[:1],
                                  active_classes='all', **kw).item() == \
        pytest.approx(103 / 35)
    # D over both images: class 0 I = 2/3, |x| = 2, |y| = 2 -> 4/5;
    # class 1 I = 1/3, |x| = 2, |y| = 1 -> 7/8; class 2 I = 1, |x| = 2,
    # |y| = 3 -> 3/4: (2 * 4/5 + 0.5 * 7/8 + 7 * 3/4) / 3
    assert FJ.jaccard_metric_loss(logits, labels, **kw).item() == \
        pytest.approx((1.6 + 0.4375 + 5.25) / 3)
    # I: mean over images of (sum_c a w l) / (sum_c a): (32/35 + 14/3) / 2
    assert FJ.jaccard_metric_loss(logits, labels, weight_dataset=0.0,
                                  weight_image=1.0, **kw).item() == \
        pytest.approx(293 / 105)
    # C: mean over active classes of w_c times the class's image mean:
    # (2 * 5/7 + 0.5 * 4/5 + 7 * 2/3) / 3
    assert FJ.jaccard_metric_loss(logits, labels, weight_dataset=0.0,
                                  weight_class=1.0, **kw).item() == \
        pytest.approx(682 / 315)


def test_zero_class_weight_still_counts_in_the_mean():
    logits, labels, _ = _three_pixel_case()
    cw = torch.tensor([1.0, 0.0, 1.0], dtype=torch.float64)
    # image 0: (5/7 + 0 * 4/5) / 2, not 5/7
    assert FJ.jaccard_metric_loss(logits[:1], labels[:1], smooth=0.0,
                                  class_weight=cw).item() == \
        pytest.approx(5 / 14)
