"""SoftCrossEntropyLoss: hard/soft targets, class and pixel weights."""
import pytest
import torch
import torch.nn.functional as F
from _reference import random_inputs, reference_ce

from mmseg_jml.models.losses import SoftCrossEntropyLoss


@pytest.mark.parametrize('kind', ['hard', 'soft'])
@pytest.mark.parametrize('use_weight', [False, True])
@pytest.mark.parametrize('class_weight', [None, [1.0, 0.5, 2.0, 0.0, 3.0]])
def test_matches_reference(kind, use_weight, class_weight):
    logits, target, weight = random_inputs(kind, seed=6)
    weight = weight if use_weight else None
    loss = SoftCrossEntropyLoss(class_weight=class_weight, loss_weight=0.25)
    ours = loss(logits, target, weight)
    ref = 0.25 * reference_ce(logits, target, weight, class_weight)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(
        torch.autograd.grad(ours, logits)[0],
        torch.autograd.grad(ref, logits)[0])


def test_equals_torch_cross_entropy_on_hard_labels():
    logits, target, _ = random_inputs('hard', dtype=torch.float32)
    cw = [1.0, 0.5, 2.0, 1.0, 3.0]
    torch.testing.assert_close(
        SoftCrossEntropyLoss(class_weight=cw)(logits, target),
        F.cross_entropy(logits, target, weight=torch.tensor(cw),
                        ignore_index=255))


def test_one_hot_soft_target_equals_hard_target():
    logits, target, weight = random_inputs('hard')
    onehot = F.one_hot(torch.where(target == 255, 0, target), 5)
    soft = onehot.permute(0, 3, 1, 2).double() * (target != 255)[:, None]
    loss = SoftCrossEntropyLoss(class_weight=[1, 2, 3, 4, 5])
    torch.testing.assert_close(
        loss(logits, target, weight), loss(logits, soft, weight))


def test_nothing_counted_is_zero_with_zero_grad():
    logits, target, _ = random_inputs('hard')
    out = SoftCrossEntropyLoss()(logits, torch.full_like(target, 255))
    grad, = torch.autograd.grad(out, logits)
    assert out.item() == 0.0 and torch.all(grad == 0)


def test_name_and_call_time_ignore_index():
    loss = SoftCrossEntropyLoss(loss_name='loss_sce')
    assert loss.loss_name == 'loss_sce'
    logits, target, _ = random_inputs('hard', ignore_index=9)
    with pytest.raises(ValueError, match=r'expected labels in \[0, 5\)'):
        loss(logits, target)
    torch.testing.assert_close(
        loss(logits, target, ignore_index=9),
        F.cross_entropy(logits, target, ignore_index=9))
    with pytest.raises(ValueError, match="start with 'loss_'"):
        SoftCrossEntropyLoss(loss_name='ce')
