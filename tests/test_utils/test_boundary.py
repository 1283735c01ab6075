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
                if bool((win == ignore_index).any()):
                    continue  # a window that touches void is not smoothed
                out[b, i, j] = bool((win != y).any())
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


def test_window_touching_an_ignored_pixel_is_never_a_boundary():
    # The official rule (JDTLosses, train_soft_label.py): an ignored pixel
    # in the k x k window rules the pixel out, whatever else it holds.
    label = _map([[0, 0, 1, 1], [0, 0, 1, IGN], [0, 0, 1, 1]])
    expected = _map([[0, 1, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0]]).bool()
    assert torch.equal(boundary_mask(label, 2), expected)
    # Across an ignored column no window is free of void at k = 3 or 5.
    label = _map([[0, IGN, 1], [0, IGN, 1]])
    for k in (3, 5):
        assert not boundary_mask(label, 2, kernel_size=k).any()
    # An ignored pixel inside a region does not create a boundary.
    label = _map([[0, 0, 0], [0, IGN, 0], [0, 0, 0]])
    assert not boundary_mask(label, 2).any()


def test_map_with_void_bands():
    # Two classes split at column 4, crossed by a void band (row 3) and
    # bordered by a void band (column 9, like the ignore padding of a crop).
    label = torch.zeros(1, 7, 10, dtype=torch.long)
    label[:, :, 4:] = 1
    label[:, 3, :] = IGN
    label[:, :, 9] = IGN
    got = boundary_mask(label, 2)
    expected = torch.zeros(1, 7, 10, dtype=torch.bool)
    # The class edge (columns 3 and 4), minus rows 2-4 next to the band.
    for row in (0, 1, 5, 6):
        expected[0, row, 3:5] = True
    assert torch.equal(got, expected)
    # Without the void bands the same rows 2-4 are boundary pixels, and
    # column 8 is not (one class up to the image border).
    clean = torch.zeros(1, 7, 10, dtype=torch.long)
    clean[:, :, 4:] = 1
    expected_clean = torch.zeros(1, 7, 10, dtype=torch.bool)
    expected_clean[0, :, 3:5] = True
    assert torch.equal(boundary_mask(clean, 2), expected_clean)
    # k = 5 widens the edge, and the void bands rule out more rows.
    got5 = boundary_mask(label, 2, kernel_size=5)
    expected5 = torch.zeros(1, 7, 10, dtype=torch.bool)
    expected5[0, 0, 2:6] = True
    expected5[0, 6, 2:6] = True
    assert torch.equal(got5, expected5)
    assert torch.equal(got5, _reference(label, 5))


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
    # The middle pixel's window holds the ignored -1: not a boundary.
    label = torch.tensor([[[0, 1, -1]]], dtype=torch.int32)
    assert boundary_mask(label, 2, ignore_index=-1).tolist() == [[[True, False,
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
