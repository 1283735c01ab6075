"""Shared fixtures. Every test runs single-threaded: the machines are shared
and small, and torch's default thread count made tiny models 100x slower
under load."""
import os
import os.path as osp

import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault('OMP_NUM_THREADS', '1')

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
FIXTURE_CONFIGS = osp.join(REPO_ROOT, 'tests', 'fixtures', 'configs')


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def synthetic_data_root(tmp_path_factory) -> str:
    """A tiny synthetic dataset (8 train, 4 val images of 64x64)."""
    from mmseg_jml.datasets.preparation import make_synthetic_dataset
    root = str(tmp_path_factory.mktemp('synthetic_shapes'))
    make_synthetic_dataset(root, num_train=8, num_val=4, size=(64, 64))
    return root


@pytest.fixture(scope='session')
def synthetic_config() -> str:
    """A small UNet config on the synthetic dataset (4 iterations)."""
    return osp.join(FIXTURE_CONFIGS, 'fcn_unet-s5-c16_1xb2-4_synthetic.py')
