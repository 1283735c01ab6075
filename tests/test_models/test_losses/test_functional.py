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


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('variant', VARIANTS)
@pytest.mark.parametrize('options', OPTIONS, ids=lambda o: '-'.join(o))
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
