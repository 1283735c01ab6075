"""BoundaryLabelSmoothing against hand-made label maps."""
import pytest
import torch
import torch.nn.functional as F

import mmseg_jml  # noqa: F401,I001
from mmseg.registry import MODELS

from mmseg_jml.models.losses.boundary_label_smoothing import (
    BoundaryLabelSmoothing, boundary_label_smoothing, smoothing_map)

X = 255  # ignored


def _label(rows):
    return torch.tensor(rows, dtype=torch.long).unsqueeze(0)


def _expected(label, boundary, num_classes, epsilon):
    """Target built pixel by pixel from a hand-made boundary map."""
    _, height, width = label.shape
    out = torch.zeros(1, num_classes, height, width)
    for i in range(height):
        for j in range(width):
            lab = int(label[0, i, j])
            if lab == X:
                continue
            eps = epsilon if boundary[i][j] else 0.0
            out[0, :, i, j] = eps / num_classes
            out[0, lab, i, j] += 1 - eps
    return out


CASES = {
    'straight': ([[0, 0, 1, 1]] * 3, [[0, 1, 1, 0]] * 3),
    'corner': ([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
               [[0, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 0]]),
    'one-pixel object': ([[0] * 5, [0] * 5, [0, 0, 2, 0, 0], [0] * 5,
                          [0] * 5], [[0] * 5, [0, 1, 1, 1, 0],
                                     [0, 1, 1, 1, 0], [0, 1, 1, 1, 0],
                                     [0] * 5]),
    # the image border is not a boundary: a single class touching it
    'border only': ([[1, 1, 1], [1, 1, 1]], [[0, 0, 0], [0, 0, 0]]),
    # the official rule: a window that holds an ignored pixel is never
    # smoothed (JDTLosses, train_soft_label.py, get_label_boundary)
    'ignore between classes': ([[0, X, 1], [0, X, 1]], [[0, 0, 0], [0, 0,
                                                                    0]]),
    'ignore beside boundary': ([[0, 1, X], [0, 1, X], [X, X, X]],
                               [[1, 0, 0], [0, 0, 0], [0, 0, 0]]),
    'void band across an edge': ([[0, 0, 1, 1], [X, X, X, X], [0, 0, 1, 1],
                                  [0, 0, 1, 1], [0, 0, 1, 1]],
                                 [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0],
                                  [0, 1, 1, 0], [0, 1, 1, 0]]),
}


@pytest.mark.parametrize('name', sorted(CASES))
@pytest.mark.parametrize('epsilon', [0.5, 0.2, 1.0])
def test_hand_made_maps(name, epsilon):
    rows, boundary = CASES[name]
    label = _label(rows)
    target = boundary_label_smoothing(label, 3, 3, epsilon)
    torch.testing.assert_close(target,
                               _expected(label, boundary, 3, epsilon))
    eps = smoothing_map(label, 3, 3, epsilon)
    torch.testing.assert_close(eps, epsilon * torch.tensor(
        boundary, dtype=torch.float32).unsqueeze(0))


def test_wider_window_across_ignored_pixels_is_not_smoothed():
    label = _label([[0, X, 1], [0, X, 1]])
    target = boundary_label_smoothing(label, 2, 5, 0.5)
    torch.testing.assert_close(target, _one_hot(label, 2))


def _one_hot(label, num_classes, ignore_index=X):
    valid = label != ignore_index
    out = F.one_hot(torch.where(valid, label, 0), num_classes)
    return out.permute(0, 3, 1, 2).float() * valid.unsqueeze(1)


@pytest.mark.parametrize('kernel_size', [1, 3])
def test_identity_cases(kernel_size):
    label = torch.randint(0, 4, (2, 9, 7), generator=torch.Generator().
                          manual_seed(0))
    label[0, :2] = X
    onehot = _one_hot(label, 4)
    if kernel_size == 1:  # no pixel is a boundary pixel
        torch.testing.assert_close(
            boundary_label_smoothing(label, 4, 1, 0.5), onehot)
    # epsilon = 0 is the identity for any window
    torch.testing.assert_close(
        boundary_label_smoothing(label, 4, kernel_size, 0.0), onehot)


def test_none_kernel_is_plain_label_smoothing():
    label = _label([[0, 1, X], [2, 2, 2]])
    target = boundary_label_smoothing(label, 3, None, 0.3)
    expected = 0.7 * _one_hot(label, 3) + 0.1 * (label != X).unsqueeze(1)
    torch.testing.assert_close(target, expected)


@pytest.mark.parametrize('kernel_size', [None, 1, 3, 5, 7])
@pytest.mark.parametrize('epsilon', [0.0, 0.5, 1.0])
def test_simplex_and_reference(kernel_size, epsilon):
    gen = torch.Generator().manual_seed(kernel_size or 0)
    coarse = torch.randint(0, 3, (2, 4, 4), generator=gen)
    label = coarse.repeat_interleave(3, 1).repeat_interleave(3, 2)[..., :10]
    label[torch.rand(label.shape, generator=gen) < 0.1] = X
    target = BoundaryLabelSmoothing(kernel_size, epsilon)(label, 3)
    counted = label != X
    torch.testing.assert_close(target.sum(1)[counted],
                               torch.ones(int(counted.sum())))
    assert (target >= 0).all()
    assert not target.permute(0, 2, 3, 1)[~counted].any()
    # reference: max-pool of the one-hot holds another class, and a
    # max-pool of the ignore mask holds no ignored pixel
    onehot = _one_hot(label, 3)
    if kernel_size is None:
        boundary = counted
    else:
        pooled = F.max_pool2d(
            onehot, kernel_size, stride=1, padding=kernel_size // 2)
        others = (pooled * (1 - onehot)).sum(1) > 0
        void = F.max_pool2d((~counted).float().unsqueeze(1), kernel_size,
                            stride=1, padding=kernel_size // 2)[:, 0] > 0
        boundary = others & counted & ~void
    eps = epsilon * boundary.float().unsqueeze(1)
    expected = ((1 - eps) * onehot + eps / 3) * counted.unsqueeze(1)
    torch.testing.assert_close(target, expected)


def test_registered_and_repr():
    module = MODELS.build(
        dict(type='BoundaryLabelSmoothing', kernel_size=5, epsilon=0.1))
    assert isinstance(module, BoundaryLabelSmoothing)
    assert 'kernel_size=5, epsilon=0.1' in repr(module)
    defaults = BoundaryLabelSmoothing()
    assert (defaults.kernel_size, defaults.epsilon) == (3, 0.5)


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(kernel_size=2), ValueError, 'odd, positive int, got 2'),
    (dict(kernel_size=0), ValueError, 'odd, positive int, got 0'),
    (dict(kernel_size=-3), ValueError, 'odd, positive int, got -3'),
    (dict(kernel_size=3.0), TypeError, 'kernel_size to be None or an int'),
    (dict(kernel_size=True), TypeError, 'kernel_size to be None or an int'),
    (dict(epsilon=-0.1), ValueError, r'epsilon >= 0.0, got -0.1'),
    (dict(epsilon=1.5), ValueError, r'epsilon <= 1.0, got 1.5'),
    (dict(epsilon=float('nan')), ValueError, 'epsilon to be finite'),
    (dict(epsilon='0.5'), TypeError, 'epsilon to be a real number'),
])
def test_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        BoundaryLabelSmoothing(**kwargs)


@pytest.mark.parametrize('label,num_classes,error,match', [
    (torch.zeros(1, 4, 4), 3, TypeError, 'integer label tensor'),
    (torch.zeros(4, 4, dtype=torch.long), 3, ValueError, r'\(N, H, W\)'),
    (torch.full((1, 4, 4), 3), 3, ValueError, r'labels in \[0, 3\)'),
    (torch.zeros(1, 4, 4, dtype=torch.long), 0, ValueError,
     'num_classes >= 1'),
])
@pytest.mark.parametrize('kernel_size', [None, 3])
def test_bad_label(label, num_classes, error, match, kernel_size):
    with pytest.raises(error, match=match):
        BoundaryLabelSmoothing(kernel_size)(label, num_classes)
