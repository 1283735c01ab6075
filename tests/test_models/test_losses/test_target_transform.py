"""target_transform of the soft-target losses (boundary label smoothing)."""
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import mmseg_jml  # noqa: F401,I001
from mmseg.registry import MODELS

from mmseg_jml.models.losses import (BoundaryLabelSmoothing, DiceMetricLoss,
                                     JaccardMetricLoss, SoftCrossEntropyLoss)
from mmseg_jml.models.losses.boundary_label_smoothing import \
    boundary_label_smoothing

BLS = dict(type='BoundaryLabelSmoothing', kernel_size=3, epsilon=0.5)


def _label(n=2, c=4, h=12, w=10, seed=0, ignore=True):
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.randint(0, c, (n, 4, 4), generator=gen)
    label = coarse.repeat_interleave(3, 1).repeat_interleave(3, 2)[:, :h, :w]
    if ignore:
        label[torch.rand(label.shape, generator=gen) < 0.1] = 255
    return label


def _logits(n=2, c=4, h=12, w=10, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, c, h, w, dtype=torch.float64,
                       generator=gen).requires_grad_()


def _value_and_grad(loss, logits, target, **kwargs):
    value = loss(logits, target, **kwargs)
    grad, = torch.autograd.grad(value, logits)
    return value.detach(), grad


LOSS_CONFIGS = [
    (JaccardMetricLoss, dict()),
    (JaccardMetricLoss, dict(variant='jml2', weight_image=0.5)),
    (JaccardMetricLoss, dict(variant='sjl_l2', active_classes='present')),
    (JaccardMetricLoss, dict(active_classes='label', threshold=0.1)),
    (JaccardMetricLoss, dict(active_classes='both', weight_class=1.0)),
    (JaccardMetricLoss, dict(active_classes='prob', log_loss=True,
                             class_weight=[1.0, 2.0, 0.5, 1.0])),
    (DiceMetricLoss, dict()),
    (SoftCrossEntropyLoss, dict()),
    (SoftCrossEntropyLoss, dict(class_weight=[1.0, 2.0, 0.5, 1.0])),
]


@pytest.mark.parametrize('cls,kwargs', LOSS_CONFIGS)
@pytest.mark.parametrize('kernel_size,epsilon', [(3, 0.5), (5, 1.0),
                                                 (None, 0.3), (3, 0.0),
                                                 (1, 0.5)])
@pytest.mark.parametrize('with_weight', [False, True])
def test_structured_path_equals_dense_target(cls, kwargs, kernel_size,
                                             epsilon, with_weight):
    """The loss with a BLS target_transform on hard labels equals the loss
    of the dense BLS target (values and gradients)."""
    label, logits = _label(), _logits()
    weight = torch.rand(label.shape, generator=torch.Generator().manual_seed(
        2)) if with_weight else None
    bls = dict(type='BoundaryLabelSmoothing', kernel_size=kernel_size,
               epsilon=epsilon)
    dense = boundary_label_smoothing(label, 4, kernel_size, epsilon)
    ours = _value_and_grad(
        cls(target_transform=bls, **kwargs), logits, label, weight=weight)
    ref = _value_and_grad(cls(**kwargs), logits, dense, weight=weight)
    torch.testing.assert_close(ours[0], ref[0], rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(ours[1], ref[1], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize('cls', [JaccardMetricLoss, SoftCrossEntropyLoss])
def test_soft_targets_pass_through_with_one_warning(cls):
    """A BLS target_transform on a loss that receives a soft target is
    skipped: the loss says so once (UserWarning), then stays quiet."""
    logits = _logits()
    soft = torch.softmax(torch.randn(2, 4, 12, 10), 1)
    loss = cls(target_transform=BLS)
    with pytest.warns(UserWarning, match=r'has target_transform='
                      r'BoundaryLabelSmoothing but received a soft'):
        with_transform = loss(logits, soft)
    torch.testing.assert_close(with_transform, cls()(logits, soft))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        loss(logits, soft)  # once per module
        loss(logits, _label())  # hard targets never warn
        cls()(logits, soft)  # nor does a loss without a transform


class _Sharpen(nn.Module):
    """A generic transform without the structured interface."""

    def forward(self, label, num_classes, ignore_index=255):
        valid = label != ignore_index
        onehot = F.one_hot(torch.where(valid, label, 0), num_classes)
        return onehot.permute(0, 3, 1, 2).float() * valid.unsqueeze(1)


@pytest.mark.parametrize('cls', [JaccardMetricLoss, SoftCrossEntropyLoss])
def test_generic_module_transform_uses_dense_path(cls):
    label, logits = _label(), _logits()
    ours = cls(target_transform=_Sharpen())(logits, label)
    ref = cls(active_classes='all')(logits, label) if cls is \
        JaccardMetricLoss else cls()(logits, label)
    torch.testing.assert_close(ours, ref)


def test_transform_is_a_submodule_built_from_config():
    loss = JaccardMetricLoss(target_transform=BLS)
    assert isinstance(loss.target_transform, BoundaryLabelSmoothing)
    assert 'target_transform' in dict(loss.named_children())
    module = BoundaryLabelSmoothing(5, 0.1)
    assert SoftCrossEntropyLoss(
        target_transform=module).target_transform is module
    assert JaccardMetricLoss().target_transform is None


@pytest.mark.parametrize('cls', [JaccardMetricLoss, DiceMetricLoss,
                                 SoftCrossEntropyLoss])
@pytest.mark.parametrize('value,error,match', [
    (3, TypeError, 'target_transform to be a dict'),
    ('BoundaryLabelSmoothing', TypeError, 'target_transform to be a dict'),
    (dict(type='BoundaryLabelSmoothing', kernel_size=4), ValueError,
     'odd, positive int, got 4'),
    (dict(type='BoundaryLabelSmoothing', epsilon=2.0), ValueError,
     'epsilon <= 1.0'),
])
def test_bad_target_transform_fails_at_build(cls, value, error, match):
    with pytest.raises(error, match=match):
        cls(target_transform=value)


def test_registered_losses_build_with_transform():
    loss = MODELS.build(
        dict(type='JaccardMetricLoss', loss_weight=0.75,
             target_transform=BLS))
    assert loss.target_transform.kernel_size == 3


@pytest.mark.parametrize('squares', [False, True])
@pytest.mark.parametrize('max_mode', [0, 1, 2])
def test_gradcheck_smoothed_hard_function(squares, max_mode):
    from mmseg_jml.models.losses.functional import _HardStatistics
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 9, dtype=torch.float64, generator=g)
    logits.requires_grad_(True)
    labels = torch.randint(0, 4, (2, 9), generator=g)
    weight = torch.rand(2, 9, dtype=torch.float64, generator=g)
    weight[0, :2] = 0
    smoothing = torch.rand(2, 9, dtype=torch.float64, generator=g)
    smoothing[:, ::3] = 0  # one-hot pixels among the smoothed ones
    smoothing[1, :] = 0  # an image without smoothed pixels

    def fn(z):
        return _HardStatistics.apply(z, labels, weight, squares, max_mode,
                                     smoothing)[:4]

    assert torch.autograd.gradcheck(fn, (logits, ))


@pytest.mark.parametrize('target_shape,smoothing,error,match', [
    ((2, 12, 10), torch.zeros(2, 12, 9), ValueError,
     "smoothing of the hard target's shape"),
    ((2, 4, 12, 10), torch.zeros(2, 12, 10), ValueError,
     "smoothing of the hard target's shape"),
    ((2, 12, 10), torch.zeros(2, 12, 10, dtype=torch.long), TypeError,
     'floating-point tensor'),
])
@pytest.mark.parametrize('fn_name', ['jaccard_metric_loss',
                                     'soft_cross_entropy'])
def test_functional_smoothing_errors(target_shape, smoothing, error, match,
                                     fn_name):
    from mmseg_jml.models.losses import functional
    logits = _logits()
    if len(target_shape) == 3:
        target = _label(ignore=False)
    else:
        target = torch.softmax(torch.randn(target_shape), 1)
    with pytest.raises(error, match=match):
        getattr(functional, fn_name)(logits, target, smoothing=smoothing)
