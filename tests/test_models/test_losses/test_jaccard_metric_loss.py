"""JaccardMetricLoss / DiceMetricLoss modules: configuration, validation,
autocast and use as ``loss_decode`` of an MMSeg decode head."""
import pytest
import torch
from _reference import random_inputs, reference_jml
from mmengine.structures import PixelData

from mmseg_jml.models.losses import (DiceMetricLoss, JaccardMetricLoss,
                                     KLDivergenceLoss, SoftCrossEntropyLoss)


def _build(cfg):
    from mmseg.registry import MODELS
    return MODELS.build(cfg)


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('variant', ['jml1', 'jml2', 'sjl', 'sjl_l2'])
def test_module_matches_reference(kind, variant):
    logits, target, weight = random_inputs(kind, seed=5)
    cw = [1.0, 2.0, 0.5, 1.0, 1.0]
    loss = _build(
        dict(type='JaccardMetricLoss', variant=variant, class_weight=cw,
             weight_image=0.5, weight_class=0.25, loss_weight=0.75,
             gamma=1.5))
    assert loss.loss_name == 'loss_jml'
    ours = loss(logits, target, weight)
    ref = 0.75 * reference_jml(logits, target, weight, variant=variant,
                               class_weight=cw, weight_image=0.5,
                               weight_class=0.25, gamma=1.5)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(
        torch.autograd.grad(ours, logits)[0],
        torch.autograd.grad(ref, logits)[0])


def test_dice_metric_loss_defaults():
    dml = _build(dict(type='DiceMetricLoss'))
    assert (dml.alpha, dml.beta, dml.loss_name) == (0.5, 0.5, 'loss_dml')
    logits, target, _ = random_inputs('hard')
    torch.testing.assert_close(
        dml(logits, target),
        JaccardMetricLoss(alpha=0.5, beta=0.5)(logits, target))


def test_call_time_ignore_index_wins():
    logits, target, _ = random_inputs('hard', ignore_index=7)
    loss = JaccardMetricLoss(ignore_index=255)
    with pytest.raises(ValueError, match=r'expected labels in \[0, 5\)'):
        loss(logits, target)
    torch.testing.assert_close(
        loss(logits, target, ignore_index=7),
        reference_jml(logits, target, ignore_index=7))


def test_ohem_style_weight_shape_is_accepted():
    logits, target, weight = random_inputs('hard')
    loss = JaccardMetricLoss()
    torch.testing.assert_close(
        loss(logits, target, weight[:, None]), loss(logits, target, weight))


def test_class_weight_is_a_buffer():
    loss = JaccardMetricLoss(class_weight=[1, 2, 3])
    assert 'class_weight' in dict(loss.named_buffers())
    assert loss.class_weight.dtype == torch.float32
    assert loss.to(torch.float64).class_weight is not None
    assert 'class_weight' not in loss.state_dict()


AUTOCAST_CASES = [(kind, loss) for kind in ('hard', 'soft') for loss in (
    JaccardMetricLoss(),
    JaccardMetricLoss(variant='jml2', active_classes='both',
                      weight_image=1.0),
    DiceMetricLoss(),
    SoftCrossEntropyLoss(),
)] + [('soft', KLDivergenceLoss(temperature=2.0))]  # KL: soft targets only


@pytest.mark.parametrize('kind,loss', AUTOCAST_CASES,
                         ids=lambda v: v if isinstance(v, str) else
                         type(v).__name__)
def test_autocast_bf16_returns_float32_scalar(kind, loss):
    logits, target, weight = random_inputs(kind, dtype=torch.float32)
    logits = logits.detach().bfloat16().requires_grad_(True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = loss(logits, target.bfloat16() if kind == 'soft' else target,
                   weight)
    assert out.dtype == torch.float32 and out.ndim == 0
    assert torch.isfinite(out)
    out.backward()
    assert logits.grad.dtype == torch.bfloat16
    assert torch.isfinite(logits.grad.float()).all()
    # same value as float32 (up to the bf16 rounding of a soft target)
    ref = loss(logits.detach().float(), target, weight)
    tol = 1e-5 if kind == 'hard' else 1e-2
    torch.testing.assert_close(out, ref, rtol=tol, atol=tol)


BAD_CONFIGS = [
    (dict(gamma=0.5), ValueError, r'expected gamma >= 1.0, got 0.5'),
    (dict(alpha=-1.0), ValueError, r'expected alpha >= 0.0'),
    (dict(weight_image=-0.1), ValueError, r'expected weight_image >= 0.0'),
    (dict(weight_dataset=0.0), ValueError, r'at least one of weight_dataset'),
    (dict(active_classes='some'), ValueError,
     r"expected active_classes to be one of .*'present'.*, got 'some'"),
    (dict(variant='jml3'), ValueError,
     r"expected variant to be one of .*, got 'jml3'"),
    (dict(class_weight=[1.0, -1.0]), ValueError, r'finite and non-negative'),
    (dict(class_weight=[0.0, 0.0]), ValueError, r'at least one positive'),
    (dict(class_weight='weights.txt'), TypeError, r'sequence of floats'),
    (dict(loss_name='jml'), ValueError, r"start with 'loss_'"),
    (dict(loss_weight=float('nan')), ValueError, r'loss_weight to be finite'),
    (dict(smooth=-1.0), ValueError, r'expected smooth >= 0.0'),
    (dict(threshold=-0.5), ValueError, r'expected threshold >= 0.0'),
    (dict(log_loss=1), TypeError, r'expected log_loss to be a bool'),
    (dict(ignore_index=2.5), TypeError, r'ignore_index to be an int'),
    (dict(variant='sjl_l2', alpha=0.3, beta=0.7), ValueError,
     r"expected alpha == beta with variant 'sjl_l2'"),
]


@pytest.mark.parametrize('cfg,exc,match', BAD_CONFIGS)
def test_invalid_constructor_arguments(cfg, exc, match):
    with pytest.raises(exc, match=match):
        JaccardMetricLoss(**cfg)


def _bad_calls():
    logits, target, weight = random_inputs('hard', dtype=torch.float32)
    soft = torch.softmax(torch.randn_like(logits), 1)
    nan_logits = logits.detach().clone()
    nan_logits[0, 0, 0, 0] = float('nan')
    inf_logits = logits.detach().clone()
    inf_logits[0, 1, 0, 0] = -float('inf')
    off = soft.clone()
    off[0, :, 0, 0] = 0.5
    neg = soft.clone()
    neg[0, 0, 1, 1] = -0.2
    return [
        ((logits[0], target[0]), ValueError,
         r'expected seg_logits of shape \(N, C, H, W\), got 3 dimensions'),
        ((logits, target[:, :4]), ValueError,
         r'expected target of shape \(N, H, W\) = \(3, 6, 7\).*got '
         r'\(3, 4, 7\)'),
        ((logits, target.float()), TypeError, r'integer dtype, got '
         r'torch.float32'),
        ((logits, target.masked_fill(target == 1, 5)), ValueError,
         r'expected labels in \[0, 5\) or ignore_index=255, got \[5\]'),
        ((logits, target.masked_fill(target == 1, -1)), ValueError,
         r'got \[-1\]'),
        ((logits, off), ValueError, r'on the simplex \(sum 1\) or all zero'),
        ((logits, neg), ValueError, r'values in \[0, 1\]'),
        ((logits, soft.long()), TypeError, r'floating dtype'),
        ((nan_logits, target), ValueError, r'expected finite seg_logits'),
        ((inf_logits, target), ValueError, r'expected finite seg_logits'),
        ((logits.long(), target), TypeError, r'floating-point tensor'),
        ((logits, target, weight * 2), ValueError, r'pixel weights in \[0, 1\]'),
        ((logits, target, weight[:, :2]), ValueError,
         r'expected weight of shape \(N, H, W\)'),
        ((logits[:, :1], torch.zeros_like(target)), ValueError, r'C >= 2'),
    ]


@pytest.mark.parametrize('loss', [JaccardMetricLoss(), SoftCrossEntropyLoss()],
                         ids=lambda m: type(m).__name__)
@pytest.mark.parametrize('case', range(14))
def test_invalid_tensors(loss, case):
    args, exc, match = _bad_calls()[case]
    with pytest.raises(exc, match=match):
        loss(*args)


def test_class_weight_of_wrong_length():
    logits, target, _ = random_inputs('hard')
    for cls in (JaccardMetricLoss, SoftCrossEntropyLoss):
        with pytest.raises(ValueError, match=r'class_weight of length C = 5, '
                           r'got 3'):
            cls(class_weight=[1.0, 1.0, 1.0])(logits, target)


def test_functional_validates_unless_told_not_to():
    from mmseg_jml.models.losses.functional import jaccard_metric_loss
    logits, target, _ = random_inputs('hard')
    bad = target.masked_fill(target == 1, 9)
    with pytest.raises(ValueError, match='expected labels'):
        jaccard_metric_loss(logits, bad)
    with pytest.raises(ValueError, match='expected gamma >= 1.0'):
        jaccard_metric_loss(logits, target, gamma=0.0)


def test_as_loss_decode_list_of_an_mmseg_decode_head():
    from mmseg.models.decode_heads import FCNHead
    from mmseg.structures import SegDataSample
    torch.manual_seed(0)
    head = FCNHead(
        in_channels=8, channels=8, num_convs=1, num_classes=4,
        norm_cfg=None, ignore_index=255,
        loss_decode=[
            dict(type='SoftCrossEntropyLoss', loss_weight=0.25),
            dict(type='JaccardMetricLoss', loss_weight=0.75)
        ])
    feats = [torch.randn(2, 8, 8, 8)]
    samples = []
    for i in range(2):
        label = torch.randint(0, 4, (1, 16, 16))
        label[0, :2] = 255
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=label)
        samples.append(s)
    seg_logits = head.forward(feats)
    losses = head.loss_by_feat(seg_logits, samples)
    assert set(losses) == {'loss_ce', 'loss_jml', 'acc_seg'}
    assert losses['loss_jml'].dtype == torch.float32
    assert 0 < losses['loss_jml'].item() < 0.75
    (losses['loss_ce'] + losses['loss_jml']).backward()
    grads = [p.grad for p in head.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def test_repr_mentions_configuration():
    text = repr(JaccardMetricLoss(variant='jml2', loss_weight=0.5))
    assert "variant='jml2'" in text and 'loss_weight=0.5' in text


def test_dice_metric_loss_accepts_sjl_l2():
    # alpha = beta = 0.5: the squared-L2 Dice loss is sound
    logits, target, _ = random_inputs('soft')
    assert torch.isfinite(DiceMetricLoss(variant='sjl_l2')(logits, target))
    with pytest.raises(ValueError, match="alpha == beta with variant"):
        DiceMetricLoss(variant='sjl_l2', beta=1.0)


@pytest.mark.parametrize('shape', [(0, 5, 6, 7), (3, 5, 0, 7)],
                         ids=['N=0', 'H=0'])
@pytest.mark.parametrize('cls', [JaccardMetricLoss, SoftCrossEntropyLoss])
def test_module_empty_batch_with_bls_is_zero(cls, shape):
    n, c, h, w = shape
    logits = torch.randn(shape, requires_grad=True)
    target = torch.randint(0, c, (n, h, w))
    loss = cls(target_transform=dict(type='BoundaryLabelSmoothing'))(
        logits, target)
    grad, = torch.autograd.grad(loss, logits)
    assert loss.item() == 0.0 and torch.all(grad == 0)
