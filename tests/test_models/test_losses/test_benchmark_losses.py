"""Smoke test of tools/benchmark_losses.py at its --quick sizes."""
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / 'tools' / 'benchmark_losses.py'


def _load_tool():
    spec = importlib.util.spec_from_file_location('benchmark_losses', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_quick_prints_the_table():
    # two losses keep the fresh processes (two per loss) few
    out = subprocess.run(
        [sys.executable, str(TOOL), '--quick', '--repeats', '1', '--sizes',
         'cityscapes', '--losses', 'ce,jml_hard'],
        capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines()
            if line.startswith('(2, 19, 64, 128)')]
    assert [row.split('|')[1].strip() for row in rows] == ['ce', 'jml_hard']
    for row in rows:
        cells = [c.strip() for c in row.split('|')]
        assert all(re.fullmatch(r'\d+(\.\d+)?', c) for c in cells[2:])
        assert float(cells[2]) > 0


@pytest.mark.parametrize('name', ['ce', 'mmseg_dice', 'mmseg_lovasz',
                                  'jml_hard', 'jml_soft',
                                  'jml_dense_reference', 'ce_bls', 'jml_bls',
                                  'jml_bls_dense', 'kl', 'kl_reference'])
def test_every_benchmarked_loss_runs(name):
    tool = _load_tool()
    res = tool._worker(name, (2, 5, 8, 8), repeats=1, threads=1,
                       measure='time')
    assert res['time'] > 0 and res['ce_time'] > 0


def test_dense_reference_of_the_tool_agrees_with_the_loss():
    import torch
    from mmseg_jml.models.losses import JaccardMetricLoss
    tool = _load_tool()
    logits, labels = tool._inputs('jml_hard', (2, 5, 16, 8))
    torch.testing.assert_close(
        tool._dense_reference_jml(logits, labels),
        JaccardMetricLoss()(logits, labels))


def test_benchmark_rejects_unknown_loss():
    out = subprocess.run(
        [sys.executable, str(TOOL), '--quick', '--losses', 'nope'],
        capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode != 0
    assert 'expected losses among' in out.stderr


def test_bls_rows_use_block_labels_and_agree_with_dense():
    import torch
    tool = _load_tool()
    logits, labels = tool._inputs('jml_bls', (2, 5, 40, 36))
    assert labels.shape == (2, 40, 36)
    assert (labels[:, 2:16, 0:16] == labels[:, 2:3, 0:1]).all()
    assert (labels[:, :2] == 255).all()
    torch.testing.assert_close(
        tool._make_loss('jml_bls')(logits, labels),
        tool._make_loss('jml_bls_dense')(logits, labels))


def test_kl_reference_of_the_tool_agrees_with_the_loss():
    """The autograd reference the KL row is compared with computes the same
    loss and gradient as KLDivergenceLoss (no pixel ignored, uniform
    weights)."""
    import torch
    from mmseg_jml.models.losses import KLDivergenceLoss
    tool = _load_tool()
    logits, teacher = tool._inputs('kl', (2, 5, 6, 4))
    ours = KLDivergenceLoss()(logits, teacher)
    ref = tool._reference_kl(logits, teacher)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(
        torch.autograd.grad(ours, logits)[0],
        torch.autograd.grad(ref, logits)[0])
