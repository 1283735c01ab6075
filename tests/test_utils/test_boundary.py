"""Tests of ``mmseg_jml.utils.boundary.boundary_mask``."""
import pytest
import torch

from mmseg_jml.utils.boundary import boundary_mask

IGN = 255


def _reference(label: torch.Tensor, k: int, ignore_index: int = IGN):
    """Loop over pixels and windows: the definition, literally."""
    n, h, w = label.shape
    r = k // 2
    out = torch.zeros(n, h, w, dtype=torch.bool)
    for b in range(n):
        for i in range(h):
            for j in range(w):
                y = int(label[b, i, j])
                if y == ignore_index:
                    continue
                win = label[b, max(0, i - r):i + r + 1,
                            max(0, j - r):j + r + 1]
                out[b, i, j] = bool(((win != ignore_index) & (win != y)).any())
    return out


def _map(rows):
    return torch.tensor(rows, dtype=torch.long).unsqueeze(0)


def test_straight_boundary():
    label = _map([[0, 0, 1, 1]] * 3)
    expected = _map([[0, 1, 1, 0]] * 3).bool()
    assert torch.equal(boundary_mask(label, 2), expected)


def test_straight_boundary_k5_is_wider():
    label = _map([[0, 0, 0, 1, 1, 1]] * 2)
    expected = _map([[0, 1, 1, 1, 1, 0]] * 2).bool()
    assert torch.equal(boundary_mask(label, 2, kernel_size=5), expected)


def test_corner_diagonal_neighbour_counts():
    label = _map([[0, 0, 0], [0, 0, 0], [0, 0, 1]])
    expected = _map([[0, 0, 0], [0, 1, 1], [0, 1, 1]]).bool()
    assert torch.equal(boundary_mask(label, 2), expected)


def test_one_pixel_object():
    label = torch.zeros(1, 5, 5, dtype=torch.long)
    label[0, 2, 2] = 3
    expected = torch.zeros(1, 5, 5, dtype=torch.bool)
    expected[0, 1:4, 1:4] = True
    assert torch.equal(boundary_mask(label, 4), expected)


@pytest.mark.parametrize('kernel_size', [3, 5, 7])
def test_image_border_is_not_a_boundary(kernel_size):
    label = torch.full((2, 4, 6), 2, dtype=torch.long)
    assert not boundary_mask(label, 3, kernel_size=kernel_size).any()


def test_ignored_pixels_neither_make_nor_break_a_boundary():
    # The ignored column separates class 0 from class 1 by two pixels.
    label = _map([[0, IGN, 1], [0, IGN, 1]])
    # k=3: no counted pixel of another class within the window.
    assert not boundary_mask(label, 2).any()
    # k=5 reaches across the ignored column; ignored pixels stay False.
    expected = _map([[1, 0, 1], [1, 0, 1]]).bool()
    assert torch.equal(boundary_mask(label, 2, kernel_size=5), expected)
    # An ignored pixel inside a region does not create a boundary.
    label = _map([[0, 0, 0], [0, IGN, 0], [0, 0, 0]])
    assert not boundary_mask(label, 2).any()


def test_kernel_size_one_gives_no_boundary():
    label = torch.randint(0, 4, (2, 6, 7))
    assert not boundary_mask(label, 4, kernel_size=1).any()


@pytest.mark.parametrize('kernel_size', [3, 5])
@pytest.mark.parametrize('seed', [0, 1])
def test_matches_reference_on_random_maps(kernel_size, seed):
    g = torch.Generator().manual_seed(seed)
    label = torch.randint(0, 3, (2, 9, 11), generator=g)
    label[torch.rand(label.shape, generator=g) < 0.2] = IGN
    got = boundary_mask(label, 3, kernel_size=kernel_size)
    assert got.dtype == torch.bool and got.shape == label.shape
    assert torch.equal(got, _reference(label, kernel_size))


def test_custom_ignore_index_and_int_dtypes():
    label = torch.tensor([[[0, 1, -1]]], dtype=torch.int32)
    assert boundary_mask(label, 2, ignore_index=-1).tolist() == [[[True, True,
                                                                   False]]]
    label = torch.tensor([[[0, 1, 1]]], dtype=torch.uint8)
    assert boundary_mask(label, 2).tolist() == [[[True, True, False]]]


@pytest.mark.parametrize(
    'label, kwargs, error, match',
    [
        (torch.zeros(4, 4, dtype=torch.long), {}, ValueError,
         r'expected label of shape \(N, H, W\), got \(4, 4\)'),
        (torch.zeros(1, 4, 4), {}, TypeError,
         'expected an integer label tensor, got torch.float32'),
        (torch.zeros(1, 4, 4, dtype=torch.bool), {}, TypeError,
         'expected an integer label tensor'),
        ([[0, 1]], {}, TypeError,
         'expected label to be a torch.Tensor, got list'),
        (torch.zeros(1, 4, 4, dtype=torch.long), dict(kernel_size=2),
         ValueError, 'expected an odd, positive kernel_size, got 2'),
        (torch.zeros(1, 4, 4, dtype=torch.long), dict(kernel_size=0),
         ValueError, 'expected an odd, positive kernel_size, got 0'),
        (torch.zeros(1, 4, 4, dtype=torch.long), dict(kernel_size=3.0),
         TypeError, 'expected kernel_size to be an int, got float'),
        (torch.zeros(1, 4, 4, dtype=torch.long), dict(num_classes=0),
         ValueError, 'expected num_classes >= 1, got 0'),
        (torch.full((1, 2, 2), 5, dtype=torch.long), {}, ValueError,
         r'expected labels in \[0, 2\) or ignore_index 255, got \[5\]'),
        (torch.full((1, 2, 2), -3, dtype=torch.long), {}, ValueError,
         r'got \[-3\]'),
    ])
def test_errors(label, kwargs, error, match):
    kwargs = {'num_classes': 2, **kwargs}
    with pytest.raises(error, match=match):
        boundary_mask(label, **kwargs)
