"""Both metrics give the same numbers on two gloo processes as on one."""
import os
import pickle
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

NUM_CLASSES = 4
NUM_IMAGES = 5  # odd: the sampler pads rank 1 with a copy of image 0


def _samples():
    g = torch.Generator().manual_seed(0)
    samples = []
    for i in range(NUM_IMAGES):
        h, w = 6 + i, 7
        gt = torch.randint(0, NUM_CLASSES, (h, w), generator=g)
        gt[torch.rand(h, w, generator=g) < 0.1] = 255
        logits = torch.randn(NUM_CLASSES, h, w, generator=g)
        samples.append(
            dict(
                seg_logits=dict(data=logits),
                pred_sem_seg=dict(data=logits.argmax(0, keepdim=True)),
                gt_sem_seg=dict(data=gt[None])))
    return samples


def _metrics(collect_dir):
    import mmseg_jml  # noqa: F401
    from mmseg_jml.evaluation import CalibrationMetric, FineGrainedIoUMetric
    metrics = [
        FineGrainedIoUMetric(decimals=None, collect_dir=collect_dir),
        CalibrationMetric(decimals=None, collect_dir=collect_dir)
    ]
    for metric in metrics:
        metric.dataset_meta = dict(classes=tuple('abcd'))
    return metrics


def _evaluate(metrics, samples):
    out = {}
    for metric in metrics:
        for sample in samples:
            metric.process({}, [sample])
        out.update(metric.evaluate(NUM_IMAGES))
    return out


def _worker(rank, world_size, port, collect_dir, out_file):
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
        world_size=world_size)
    try:
        samples = _samples()
        # MMEngine's DefaultSampler (round_up=True): rank r takes r::2 of the
        # index list padded to a multiple of the world size.
        indices = list(range(NUM_IMAGES)) + [0]
        out = _evaluate(_metrics(collect_dir),
                        [samples[i] for i in indices[rank::world_size]])
        if rank == 0:
            with open(out_file, 'wb') as f:
                pickle.dump(out, f)
        # no rank leaves while the other still communicates
        dist.barrier()
    except BaseException:
        dist.destroy_process_group()
        raise
    # Leave without tearing gloo down: on a loaded machine its teardown
    # sometimes aborts the process ("terminate called without an active
    # exception") after every collective has finished, which would fail a
    # test whose result is already written.
    os._exit(0)


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_two_gloo_processes_equal_one_process(tmp_path):
    out_file = tmp_path / 'rank0.pkl'
    mp.spawn(
        _worker,
        args=(2, _free_port(), str(tmp_path / 'collect'), str(out_file)),
        nprocs=2,
        join=True)
    with open(out_file, 'rb') as f:
        distributed = pickle.load(f)
    single = _evaluate(_metrics(None), _samples())
    assert set(distributed) == set(single) and 'BSCE' in single
    for key, value in single.items():
        assert distributed[key] == value, key
    # The comparison sees the padding: counting image 0 twice changes both.
    padded = {}
    for metric in _metrics(None):
        for sample in _samples() + _samples()[:1]:
            metric.process({}, [sample])
        padded.update(metric.evaluate(NUM_IMAGES + 1))
    assert padded['ECE'] != single['ECE']
    assert padded['mIoU_I'] != single['mIoU_I']
