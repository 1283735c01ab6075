"""The paper's theorems as property tests (hypothesis)."""
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
import numpy as np

from mmseg_jml.models.losses import functional as FJ

SETTINGS = settings(max_examples=50, deadline=None)
P = 6
unit = st.floats(0.0, 1.0, allow_nan=False, allow_subnormal=False, width=64)
vectors = arrays(np.float64, (P, ), elements=unit)
binary = arrays(np.float64, (P, ), elements=st.sampled_from([0.0, 1.0]))
TOL = 1e-9


def _t(a):
    return torch.from_numpy(np.asarray(a, dtype=np.float64))


@SETTINGS
@given(vectors, vectors, vectors, st.sampled_from(['jml1', 'jml2']))
def test_jml_is_a_metric_on_the_unit_cube(x, y, z, variant):
    x, y, z = _t(x), _t(y), _t(z)

    def d(a, b):
        return FJ.jaccard_distance(a, b, variant).item()

    assert d(x, x) == 0.0  # reflexivity
    if (x - y).abs().max() > 1e-6:
        assert d(x, y) > 0  # positivity
    assert abs(d(x, y) - d(y, x)) <= TOL  # symmetry
    assert d(x, z) <= d(x, y) + d(y, z) + TOL  # triangle inequality
    assert 0.0 <= d(x, y) <= 1.0


def test_sjl_is_not_a_metric():
    # SJL is not reflexive on soft vectors: Delta(x, x) > 0
    x = torch.tensor([0.5, 0.5], dtype=torch.float64)
    assert FJ.jaccard_distance(x, x, 'sjl_l1').item() > 0.3
    assert FJ.jaccard_distance(x, x, 'jml1').item() == 0.0


@SETTINGS
@given(vectors, binary)
def test_sjl_jml1_jml2_agree_on_hard_targets(x, y):
    x, y = _t(x), _t(y)
    values = [FJ.jaccard_distance(x, y, v, smooth=s).item()
              for v in ('sjl_l1', 'jml1', 'jml2') for s in (0.0, 1.0)]
    assert max(values[0::2]) - min(values[0::2]) <= TOL
    assert max(values[1::2]) - min(values[1::2]) <= TOL


@SETTINGS
@given(st.integers(0, 2**31 - 1), st.sampled_from(['jml1', 'jml2']),
       st.sampled_from([(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)]))
def test_jml_is_zero_at_the_soft_target_and_sjl_is_not(seed, variant, terms):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 4, 3, 3, dtype=torch.float64, generator=g)
    target = torch.softmax(logits, dim=1)
    wd, wi, wc = terms
    kw = dict(weight_dataset=wd, weight_image=wi, weight_class=wc, smooth=0.0)
    jml = FJ.jaccard_metric_loss(logits, target, variant=variant, **kw)
    assert abs(jml.item()) <= 1e-12
    sjl = FJ.jaccard_metric_loss(logits, target, variant='sjl', **kw)
    assert sjl.item() > 1e-3


@SETTINGS
@given(st.integers(0, 2**31 - 1))
def test_jml_gradient_vanishes_at_the_soft_target(seed):
    # x = y is a minimum of JML (zero loss, zero gradient); SJL pushes on
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(1, 3, 2, 2, dtype=torch.float64, generator=g)
    logits.requires_grad_(True)
    target = torch.softmax(logits.detach() + 1e-3 * torch.randn(
        1, 3, 2, 2, dtype=torch.float64, generator=g), dim=1)
    sjl = FJ.jaccard_metric_loss(logits, target, variant='sjl', smooth=0.0)
    grad_sjl, = torch.autograd.grad(sjl, logits)
    assert grad_sjl.abs().max() > 1e-3
    for variant in ('jml1', 'jml2'):
        jml = FJ.jaccard_metric_loss(logits, target, variant=variant,
                                     smooth=0.0)
        # near the minimum the loss is O(|x - y|), far below SJL's value
        assert jml.item() < 0.02 < sjl.item()
