"""tools/benchmark_train_step.py on a tiny model (no timing asserted)."""
import json
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
import benchmark_train_step as bench  # noqa: E402

TINY_MODEL = 'configs/_base_/models/fcn_unet-s5-c16-aux.py'


@pytest.fixture(scope='module')
def rows(tmp_path_factory):
    out = tmp_path_factory.mktemp('bench') / 'rows.json'
    returned = bench.main([
        '--model-config', TINY_MODEL, '--num-classes', '5', '--batch', '1',
        '--size', '32', '--iters', '1', '--warmup', '0', '--clock', 'process',
        '--json',
        str(out)
    ])
    with open(out) as f:
        written = json.load(f)
    assert written == json.loads(json.dumps(returned))
    return {row['variant']: row for row in written}


def test_every_variant_gets_a_row_relative_to_ce(rows):
    assert list(rows) == list(bench.VARIANTS)
    assert rows['ce']['memory_ratio'] == 1.0
    for row in rows.values():
        assert row['step_ms'] > 0 and row['ce_ms'] > 0
        assert row['time_ratio'] == pytest.approx(row['step_ms'] /
                                                  row['ce_ms'])
        assert row['peak_mib'] > 0
    assert rows['jml-kd']['teacher_forward_ms'] > 0
    assert rows['ce+jml']['target'].startswith('time <= 1.03 x CE')
    assert rows['ce+jml-bls']['target'].startswith('time <= 1.08 x CE')
    assert rows['ce']['met'] is None


@pytest.mark.parametrize('variant', bench.VARIANTS)
def test_variant_losses_follow_the_official_weights(variant):
    spec = bench.variant_losses(variant)
    decode = sum(loss['loss_weight'] for loss in spec['decode'])
    distill = sum(loss['loss_weight'] for loss in spec.get('distill', []))
    # CE runs: 0.5 + 0.5; JML runs: 0.125 + 0.75 + aux 0.125; KD halves
    # the ground-truth group and gives the other half to the teacher
    expected_decode = {'ce': 0.5, 'jml-kd': 0.4375}.get(variant, 0.875)
    assert decode == pytest.approx(expected_decode)
    assert distill == pytest.approx(0.4375 if variant == 'jml-kd' else 0.0)
    if variant in ('ce+jml-bls', ):
        assert all('target_transform' in loss
                   for loss in spec['decode'] + spec['aux'])


def test_summary_flags_missed_targets():
    results = {
        'ce': dict(variant_ms=100.0, ce_ms=100.0, peak_mib=1000.0),
        'ce+jml': dict(variant_ms=110.0, ce_ms=100.0, peak_mib=1010.0),
        'ce+jml-bls': dict(variant_ms=105.0, ce_ms=100.0, peak_mib=1100.0),
        'jml-kd': dict(
            variant_ms=150.0,
            ce_ms=100.0,
            peak_mib=1500.0,
            teacher_forward_ms=40.0),
    }
    rows = {row['variant']: row for row in bench.summarize(results)}
    assert rows['ce+jml']['met'] is False  # 10% slower than CE
    assert rows['ce+jml-bls']['met'] is False  # time fine, memory +10%
    assert rows['jml-kd']['met'] is False  # 50 ms over CE > 40 ms
    assert rows['jml-kd']['kd_overhead_in_teacher_forwards'] == 1.25
    table = bench.to_markdown(list(rows.values()))
    assert table.count('\n') == 2 + 3
    assert '| ce+jml | 110 | 100 | 1.100 | 1010 | 1.010 |' in table


@pytest.mark.parametrize('argv, match', [
    (['--size', '0'], '--size >= 1'),
    (['--warmup', '-1'], '--warmup >= 0'),
])
def test_bad_arguments(argv, match, capsys):
    with pytest.raises(SystemExit):
        bench.parse_args(argv)
    assert match in capsys.readouterr().err


def test_unknown_variant():
    with pytest.raises(ValueError, match='expected a variant in'):
        bench.variant_losses('lovasz')


PEAK_RSS_CHECK = """
import sys
sys.path.insert(0, sys.argv[1])
import torch
import benchmark_train_step as bench
big = torch.ones(64 * 2**20)  # 256 MiB, written, so resident
high = bench._peak_rss_mib()
del big
assert bench._reset_peak_rss()
after_reset = bench._peak_rss_mib()
kept = torch.ones(32 * 2**20)  # 128 MiB allocated after the reset
print(high, after_reset, bench._peak_rss_mib())
"""


@pytest.mark.skipif(not osp.exists('/proc/self/clear_refs'),
                    reason='the peak-RSS reset needs Linux /proc')
def test_peak_rss_reset_forgets_freed_transients():
    """The memory figure counts the training steps, not what building the
    batch or the teacher allocated and freed before them. Run as the tool
    runs its memory workers: a fresh process whose freed large blocks leave
    the resident set (MALLOC_MMAP_THRESHOLD_)."""
    import os
    import subprocess
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(64 * 1024))
    out = subprocess.run(
        [sys.executable, '-c', PEAK_RSS_CHECK,
         osp.join(REPO, 'tools')],
        capture_output=True, text=True, env=env, timeout=120, check=True)
    high, after_reset, after_kept = map(float, out.stdout.split())
    assert after_reset < high - 200
    assert after_kept > after_reset + 100
