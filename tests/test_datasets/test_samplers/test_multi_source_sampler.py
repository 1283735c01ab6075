"""EpochMultiSourceSampler: per-batch source counts, epoch length driven by
the unlabelled set (AugSeg's logged iterations per epoch), distributed
dealing (monkeypatched ranks and a real 2-process gloo run)."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import ConcatDataset

from mmseg_jml.datasets.samplers import EpochMultiSourceSampler, source_counts
from mmseg_jml.datasets.samplers import multi_source_sampler as module


def _concat(*sizes):
    return ConcatDataset([list(range(size)) for size in sizes])


def _batches(sampler):
    indices = list(sampler)
    return [indices[i:i + sampler.batch_size]
            for i in range(0, len(indices), sampler.batch_size)]


@pytest.mark.parametrize('batch,ratio,expected', [
    (16, [1, 1], [8, 8]), (5, [1, 1], [3, 2]), (6, [1, 2], [2, 4]),
    (10, [1, 3, 1], [2, 6, 2]), (10, [1, 1, 1], [4, 3, 3])])
def test_source_counts(batch, ratio, expected):
    assert source_counts(batch, ratio) == expected


def test_every_batch_has_the_configured_counts():
    sampler = EpochMultiSourceSampler(_concat(3, 10), batch_size=4,
                                      source_ratio=[1, 1], seed=0)
    batches = _batches(sampler)
    assert len(batches) == 5 == len(sampler) // 4
    for batch in batches:
        assert all(i < 3 for i in batch[:2]) and all(i >= 3
                                                    for i in batch[2:])
    unlabelled = sorted(i for b in batches for i in b[2:])
    assert unlabelled == list(range(3, 13))  # each unlabelled once
    labelled = [i for b in batches for i in b[:2]]
    counts = [labelled.count(i) for i in range(3)]
    assert max(counts) - min(counts) <= 1  # cycled evenly


def test_epochs_reshuffle_and_are_reproducible():
    sampler = EpochMultiSourceSampler(_concat(3, 10), 4, [1, 1], seed=1)
    first = list(sampler)
    assert list(sampler) == first
    sampler.set_epoch(1)
    assert list(sampler) != first
    assert sorted(list(sampler)[2::4] + list(sampler)[3::4]) == list(
        range(3, 13))


@pytest.mark.parametrize('num_labelled,iters', [(92, 655), (183, 650),
                                                (366, 638), (732, 615),
                                                (1464, 569)])
def test_augseg_iterations_per_epoch(num_labelled, iters, monkeypatch):
    """2 GPUs x (8 + 8), unlabelled = 10582 - n: AugSeg's logged numbers."""
    monkeypatch.setattr(module, 'get_dist_info', lambda: (0, 2))
    sampler = EpochMultiSourceSampler(
        _concat(num_labelled, 10582 - num_labelled), 16, [1, 1], seed=0)
    assert sampler.num_batches == iters
    assert len(sampler) == iters * 16


def test_ranks_get_disjoint_unlabelled_samples(monkeypatch):
    per_rank = []
    for rank in range(2):
        monkeypatch.setattr(module, 'get_dist_info', lambda r=rank: (r, 2))
        sampler = EpochMultiSourceSampler(_concat(2, 9), 4, [1, 1], seed=3)
        per_rank.append(_batches(sampler))
    assert len(per_rank[0]) == len(per_rank[1]) == 2  # ceil(9/2)=5 -> 2
    unl = [{i for b in batches for i in b[2:]} for batches in per_rank]
    assert not unl[0] & unl[1]


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(dataset=[1, 2]), TypeError, 'ConcatDataset'),
    (dict(batch_size=0), ValueError, 'positive int'),
    (dict(source_ratio=[1]), ValueError, 'one per source'),
    (dict(source_ratio=[1, -1]), ValueError, 'non-negative'),
    (dict(batch_size=2, source_ratio=[1, 0]), ValueError,
     'every source in every batch'),
    (dict(epoch_source=2), ValueError, 'epoch_source'),
    (dict(dataset=_concat(3, 1), batch_size=4), ValueError,
     'at least one batch'),
])
def test_errors(kwargs, error, match):
    args = dict(dataset=_concat(3, 10), batch_size=4, source_ratio=[1, 1])
    args.update(kwargs)
    with pytest.raises(error, match=match):
        EpochMultiSourceSampler(**args)


def _worker(rank, init_file, out):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=2)
    try:
        sampler = EpochMultiSourceSampler(_concat(3, 11), 4, [1, 1])
        torch.save(dict(batches=_batches(sampler), seed=sampler.seed),
                   os.path.join(out, f'{rank}.pt'))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def test_two_gloo_processes(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / 'init'), str(tmp_path)),
             nprocs=2, join=True)
    results = [torch.load(tmp_path / f'{r}.pt') for r in range(2)]
    assert results[0]['seed'] == results[1]['seed']  # synchronised
    for result in results:
        assert len(result['batches']) == 3  # ceil(11 / 2) = 6 -> 3 batches
        for batch in result['batches']:
            assert all(i < 3 for i in batch[:2])
            assert all(i >= 3 for i in batch[2:])
    unl = [{i for b in r['batches'] for i in b[2:]} for r in results]
    # dealt like DistributedSampler: 11 padded to 12 by wrapping
    assert len(unl[0] & unl[1]) <= 1
    assert unl[0] | unl[1] == set(range(3, 14))
