"""KLDivergenceLoss for distillation."""
import pytest
import torch
from _reference import random_inputs, reference_kl

from mmseg_jml.models.losses import KLDivergenceLoss


@pytest.mark.parametrize('temperature', [1.0, 4.0])
@pytest.mark.parametrize('use_weight', [False, True])
def test_matches_reference(temperature, use_weight):
    logits, teacher, weight = random_inputs('soft', seed=7)
    weight = weight if use_weight else None
    loss = KLDivergenceLoss(temperature=temperature, loss_weight=0.5)
    ours = loss(logits, teacher, weight, ignore_index=255)
    ref = 0.5 * reference_kl(logits, teacher, weight, temperature)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(
        torch.autograd.grad(ours, logits)[0],
        torch.autograd.grad(ref, logits)[0])


def test_hand_derived_value():
    # teacher (1, 0), student logits (0, 0) -> q = (0.5, 0.5):
    # KL = 1 * log(1 / 0.5) = log 2; times T^2 = 4 with T = 2
    student = torch.zeros(1, 2, 1, 1, dtype=torch.float64)
    teacher = torch.tensor([1.0, 0.0], dtype=torch.float64).view(1, 2, 1, 1)
    out = KLDivergenceLoss(temperature=2.0)(student, teacher)
    assert out.item() == pytest.approx(4 * 0.6931471805599453)


def test_zero_at_teacher_equals_student_and_zero_vectors_not_counted():
    logits, teacher, _ = random_inputs('soft')
    same = torch.softmax(logits.detach() / 3.0, dim=1)
    same[0, :, :2] = 0  # uncounted pixels
    out = KLDivergenceLoss(temperature=3.0)(logits, same)
    assert out.item() == pytest.approx(0.0, abs=1e-12)


def test_rejects_hard_labels_and_bad_temperature():
    logits, target, _ = random_inputs('hard')
    with pytest.raises(ValueError, match=r'expected target of shape '
                       r'\(N, C, H, W\) = \(3, 5, 6, 7\) \(soft labels\)'):
        KLDivergenceLoss()(logits, target)
    with pytest.raises(ValueError, match=r'expected temperature > 0.0'):
        KLDivergenceLoss(temperature=0.0)
    assert KLDivergenceLoss().loss_name == 'loss_kl'
