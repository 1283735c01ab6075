"""Tests of ``tools/analysis_tools/count_params.py`` (no weights, no
network: every backbone is built with ``pretrained`` off)."""
import importlib.util
import os.path as osp
import sys

import pytest


@pytest.fixture(scope='module')
def tool(repo_root):
    path = osp.join(repo_root, 'tools', 'analysis_tools', 'count_params.py')
    spec = importlib.util.spec_from_file_location('count_params', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules['count_params'] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def subset_run(tool):
    """The tool's main on two small models, with its printed table."""
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rows = tool.main(['--models', 'deeplabv3-r18', 'unet-r18'])
    return rows, buf.getvalue()


def test_table_lists_selected_models(subset_run):
    rows, printed = subset_run
    lines = printed.strip().splitlines()
    assert lines[0].startswith('| model | backbone |')
    assert 'ours (M) | paper (M) | diff %' in lines[0]
    assert len(lines) == 2 + 2
    assert lines[2].startswith('| DeepLabV3 | ResNet18 | 19 |')
    assert lines[3].startswith('| UNet | ResNet18 | 6 |')
    assert [r['key'] for r in rows] == ['deeplabv3-r18', 'unet-r18']


@pytest.mark.parametrize('key', ['deeplabv3-r18', 'unet-r18'])
def test_count_is_exact(tool, subset_run, key):
    """The count equals the sum of numel over the built model's parameters,
    and splits into backbone + decode head + auxiliary head."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    row = {r['key']: r for r in subset_run[0]}[key]
    model = MODELS.build(tool.load_model_config(key))
    assert row['total'] == sum(p.numel() for p in model.parameters())
    assert row['total'] == (row['backbone_params'] + row['head_params'] +
                            row['aux_params'])
    assert row['aux_params'] > 0


@pytest.mark.parametrize('key,paper', [('deeplabv3-r18', 13.98),
                                       ('unet-r18', 14.49)])
def test_matches_table_9(subset_run, key, paper):
    row = {r['key']: r for r in subset_run[0]}[key]
    assert row['paper'] == round(paper * 1e6)
    assert abs(row['total'] / 1e6 - paper) < 0.01


def test_unet_r18_parts(subset_run):
    """UNet-R18: timm resnet18d features (11.20M) + decoder (3.15M)."""
    import timm
    encoder = timm.create_model(
        'resnet18d', features_only=True, pretrained=False)
    row = {r['key']: r for r in subset_run[0]}['unet-r18']
    assert row['backbone_params'] == sum(
        p.numel() for p in encoder.parameters())
    assert round(row['head_params'] / 1e4) == 315


def test_every_paper_model_has_a_config(tool, repo_root):
    assert len(tool.PAPER_MODELS) == 13
    for key, entry in tool.PAPER_MODELS.items():
        if '::' not in entry.config:
            assert osp.isfile(osp.join(repo_root, entry.config)), key
        cfg = tool.load_model_config(key)
        assert cfg.pretrained is None
        assert cfg.decode_head.num_classes == entry.num_classes
        assert 'SyncBN' not in repr(cfg)


@pytest.mark.parametrize('diff,flagged', [(4.9, False), (-5.1, True),
                                          (12.0, True)])
def test_format_table_flags(tool, diff, flagged):
    row = dict(method='M', backbone='B', num_classes=2, backbone_params=1,
               head_params=1, aux_params=0, total=2, paper=2,
               diff_pct=diff)
    line = tool.format_table([row], tolerance=5.0).splitlines()[-1]
    assert line.endswith('| > 5% |') is flagged


@pytest.mark.parametrize('argv', [['--models', 'unet-r34'],
                                  ['--tolerance', '-1']])
def test_rejects_bad_arguments(tool, argv, capsys):
    with pytest.raises(SystemExit):
        tool.main(argv)
    assert 'error' in capsys.readouterr().err


def test_unknown_key(tool):
    with pytest.raises(KeyError, match='expected one of'):
        tool.load_model_config('unet-r34')
