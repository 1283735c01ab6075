"""tools/ssl/make_semi_split.py: the seeded stratified labelled subset, and
the shipped MNI152 1/8 lists, which the tool regenerates from the slices the
converter writes."""
import os
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
sys.path.insert(0, osp.join(REPO, 'tools', 'ssl'))
import make_semi_split as split_tool  # noqa: E402

SHIPPED = osp.join(REPO, 'configs', 'ssl', 'splits', 'mni152-1of8')


def _lines(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


@pytest.mark.parametrize('num, ratio, expected', [(79, 8, 10), (80, 8, 10),
                                                  (81, 8, 11), (5, 1, 5),
                                                  (3, 8, 1)])
def test_one_labelled_name_per_stratum(num, ratio, expected):
    names = [f'slice_{i:03d}' for i in range(num)]
    labelled, unlabelled = split_tool.stratified_split(names[::-1], ratio,
                                                       seed=3)
    assert len(labelled) == expected
    assert sorted(labelled + unlabelled) == names
    assert labelled == sorted(labelled) and unlabelled == sorted(unlabelled)
    # strata: contiguous, sizes differ by at most one (numpy array_split)
    size, extra = divmod(num, expected)
    bounds, start = [], 0
    for index in range(expected):
        stop = start + size + (index < extra)
        bounds.append((start, stop))
        start = stop
    positions = [names.index(n) for n in labelled]
    assert [sum(a <= p < b for p in positions) for a, b in bounds] == [
        1
    ] * expected


def test_the_seed_decides_the_draw():
    names = [f'n{i:02d}' for i in range(64)]
    first = split_tool.stratified_split(names, 8, seed=0)
    assert split_tool.stratified_split(names, 8, seed=0) == first
    assert split_tool.stratified_split(names, 8, seed=1) != first


@pytest.mark.parametrize('names, ratio, seed, error, match', [
    ([], 8, 0, ValueError, 'at least one name'),
    (['a', 'a'], 8, 0, ValueError, 'distinct names'),
    (['a'], 0, 0, ValueError, 'ratio >= 1'),
    (['a'], 2.0, 0, TypeError, 'ratio to be an int'),
    (['a'], 2, None, TypeError, 'seed to be an int'),
])
def test_invalid_arguments(names, ratio, seed, error, match):
    with pytest.raises(error, match=match):
        split_tool.stratified_split(names, ratio, seed)


@pytest.fixture(scope='module')
def mni152_train_dir(tmp_path_factory):
    from mmseg_jml.datasets.preparation import prepare_mni152
    root = str(tmp_path_factory.mktemp('mni152'))
    prepare_mni152(root)
    return osp.join(root, 'img_dir', 'train')


def test_shipped_mni152_split_is_the_tools_output(mni152_train_dir,
                                                  tmp_path):
    """The converter's 79 training slices, 10 labelled (one per stratum of
    8), regenerated bit for bit by the command in the tool's docstring."""
    split_tool.main([mni152_train_dir, str(tmp_path), '--ratio', '8',
                     '--seed', '0'])
    for name in ('labeled.txt', 'unlabeled.txt'):
        with open(osp.join(SHIPPED, name)) as shipped, open(
                tmp_path / name) as generated:
            assert shipped.read() == generated.read()
    labelled = _lines(osp.join(SHIPPED, 'labeled.txt'))
    unlabelled = _lines(osp.join(SHIPPED, 'unlabeled.txt'))
    slices = sorted(f[:-len('.png')] for f in os.listdir(mni152_train_dir))
    assert len(slices) == 79 and (len(labelled), len(unlabelled)) == (10, 69)
    assert sorted(labelled + unlabelled) == slices
