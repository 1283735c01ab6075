"""reduce_across_ranks under DDP with 2 gloo processes: every rank's loss is
the loss of the global batch and DDP's averaged gradients are the gradients
of the global batch on one process."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

WORLD = 2
CONFIGS = {
    'hard-D': ('hard', dict()),
    # the I term stays per rank: with equal image counts per rank DDP's
    # gradient average is still the global-batch I gradient (the C term's
    # per-class image averages would differ, so it is not included)
    'hard-D+I-cw': ('hard', dict(weight_image=0.5,
                                 class_weight=[1.0, 2.0, 0.5, 1.0])),
    'soft-D-prob': ('soft', dict(active_classes='prob', threshold=0.2)),
    'soft-jml2-present': ('soft', dict(variant='jml2',
                                       active_classes='present')),
}


def _data(kind):
    g = torch.Generator().manual_seed(0)
    images = torch.randn(2 * WORLD, 3, 5, 6, generator=g)
    if kind == 'hard':
        target = torch.randint(0, 4, (2 * WORLD, 5, 6), generator=g)
        target[0] = 1  # classes absent from some ranks' images
        target[1, :2] = 255
    else:
        target = torch.softmax(3 * torch.randn(2 * WORLD, 4, 5, 6,
                                               generator=g), 1)
    return images, target


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 1), torch.nn.ReLU(),
                               torch.nn.Conv2d(8, 4, 1))


def _run(model, images, target, cfg, reduce):
    from mmseg_jml.models.losses import JaccardMetricLoss
    loss = JaccardMetricLoss(reduce_across_ranks=reduce, **cfg)(
        model(images), target)
    loss.backward()
    return loss.detach()


def _worker(rank, init_file, out_dir):
    torch.set_num_threads(1)
    import mmseg_jml  # noqa: F401
    dist.init_process_group('gloo', init_method=f'file://{init_file}',
                            rank=rank, world_size=WORLD)
    results = {}
    try:
        for name, (kind, cfg) in CONFIGS.items():
            images, target = _data(kind)
            part = slice(2 * rank, 2 * rank + 2)
            for reduce in (True, False):
                model = DistributedDataParallel(_model())
                loss = _run(model, images[part], target[part], cfg, reduce)
                grads = [p.grad.clone() for p in model.parameters()]
                results[(name, reduce)] = (loss, grads)
        dist.barrier()  # no rank tears gloo down while another communicates
    finally:
        dist.destroy_process_group()
    torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))


@pytest.fixture(scope='module')
def ddp_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('ddp')
    mp.spawn(_worker, args=(str(tmp / 'init'), str(tmp)), nprocs=WORLD,
             join=True)
    return [torch.load(tmp / f'rank{r}.pt') for r in range(WORLD)]


@pytest.mark.parametrize('name', list(CONFIGS))
def test_ddp_equals_global_batch(ddp_results, name):
    kind, cfg = CONFIGS[name]
    images, target = _data(kind)
    model = _model()
    loss = _run(model, images, target, cfg, reduce=False)
    grads = [p.grad for p in model.parameters()]
    only_d = 'weight_image' not in cfg
    for rank in range(WORLD):
        rank_loss, rank_grads = ddp_results[rank][(name, True)]
        if only_d:  # the I and C terms stay per rank
            torch.testing.assert_close(rank_loss, loss)
        for g_rank, g in zip(rank_grads, grads):
            torch.testing.assert_close(g_rank, g, rtol=1e-5, atol=1e-7)
    # without the all-reduce the ranks see their own statistics only
    local = [ddp_results[r][(name, False)][0] for r in range(WORLD)]
    assert not torch.allclose(local[0], local[1])
    if only_d:
        assert not torch.allclose(local[0], loss)
        g_local = ddp_results[0][(name, False)][1]
        assert not all(
            torch.allclose(a, b, rtol=1e-5, atol=1e-7)
            for a, b in zip(g_local, grads))
