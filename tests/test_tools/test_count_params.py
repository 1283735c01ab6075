"""Tests of ``tools/analysis_tools/count_params.py`` (no weights, no
network: every backbone is built with its ImageNet weights switched off).

The 13 models are built once for the module (about 40 s on one thread)."""
import contextlib
import importlib.util
import io
import os.path as osp
import sys

import pytest

#: Appendix A, Table 9 of the paper: parameters in millions
TABLE_9 = {
    'deeplabv3plus-r101': 62.58,
    'deeplabv3-r101': 87.10,
    'deeplabv3-r50': 68.11,
    'deeplabv3-r18': 13.98,
    'deeplabv3-mv2': 3.79,
    'pspnet-r18': 12.79,
    'unet-r50': 76.07,
    'unet-r18': 14.49,
    'unet-mv2': 4.06,
    'segformer-b5': 83.77,
    'segformer-b3': 46.40,
    'segformer-b1': 15.48,
    'segformer-b0': 5.01,
}


@pytest.fixture(scope='module')
def tool(repo_root):
    path = osp.join(repo_root, 'tools', 'analysis_tools', 'count_params.py')
    spec = importlib.util.spec_from_file_location('count_params', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules['count_params'] = module
    spec.loader.exec_module(module)
    return module


def _run(tool, argv):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rows = tool.main(argv)
    return rows, buf.getvalue()


@pytest.fixture(scope='module')
def full_run(tool):
    """The tool's main on every model, with its printed table."""
    return _run(tool, [])


@pytest.fixture(scope='module')
def rows(full_run):
    return {r['key']: r for r in full_run[0]}


def test_table_lists_every_model(full_run):
    rows, printed = full_run
    lines = printed.strip().splitlines()
    assert lines[0].startswith('| model | backbone |')
    assert 'ours (M) | paper (M) | diff % | flag |' in lines[0]
    assert len(lines) == 2 + 13
    assert [r['key'] for r in rows] == list(TABLE_9)
    assert lines[5].startswith('| DeepLabV3 | ResNet18 | 19 |')
    assert lines[9].startswith('| UNet | ResNet18 | 19 |')
    assert lines[14].startswith('| SegFormer | MiT-B0 | 19 |')
    # every row within the default tolerance: no flag anywhere
    assert all(line.endswith('|  |') for line in lines[2:])


@pytest.mark.parametrize('key', list(TABLE_9))
def test_matches_table_9(rows, key):
    """Every model of Table 9 within 0.5% of the paper's count."""
    row = rows[key]
    assert row['paper'] == round(TABLE_9[key] * 1e6)
    assert abs(row['total'] - row['paper']) / row['paper'] < 0.005
    assert row['total'] == (row['backbone_params'] + row['head_params'] +
                            row['aux_params'])
    assert row['aux_params'] > 0


def test_selection(tool):
    rows, printed = _run(tool, ['--models', 'deeplabv3-mv2'])
    assert [r['key'] for r in rows] == ['deeplabv3-mv2']
    assert len(printed.strip().splitlines()) == 3


def test_count_is_exact(tool, rows):
    """The count equals the sum of numel over the built model's
    parameters."""
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    model = MODELS.build(tool.load_model_config('deeplabv3-mv2'))
    assert rows['deeplabv3-mv2']['total'] == sum(
        p.numel() for p in model.parameters())


@pytest.mark.parametrize('key,name', [('unet-r18', 'resnet18d'),
                                      ('deeplabv3-r18', 'resnet18d'),
                                      ('unet-mv2', 'mobilenetv2_100')])
def test_backbone_is_the_timm_encoder(rows, key, name):
    """The CNN backbones are timm's features_only encoders (the official
    code's), with every feature level."""
    import timm
    encoder = timm.create_model(name, features_only=True, pretrained=False)
    assert rows[key]['backbone_params'] == sum(
        p.numel() for p in encoder.parameters())


def test_segformer_head_widths(rows):
    """SegFormer-B0: 512-channel all-MLP head and 256-channel auxiliary
    head on stage 3 (160 channels), 19 classes:
    head = 4 x (c_i x 512 + BN) + 2048 x 512 + BN + 512 x 19 + 19,
    aux = 160 x 256 x 9 + BN + 256 x 19 + 19."""
    channels = (32, 64, 160, 256)
    head = sum(c * 512 + 2 * 512 for c in channels)
    head += 2048 * 512 + 2 * 512 + 512 * 19 + 19
    aux = 160 * 256 * 9 + 2 * 256 + 256 * 19 + 19
    assert rows['segformer-b0']['head_params'] == head
    assert rows['segformer-b0']['aux_params'] == aux


def test_every_paper_model_has_a_config(tool, repo_root):
    assert list(tool.PAPER_MODELS) == list(TABLE_9)
    for key, entry in tool.PAPER_MODELS.items():
        assert osp.isfile(osp.join(repo_root, entry.config)), key
        cfg = tool.load_model_config(key)
        assert cfg.pretrained is None
        assert 'init_cfg' not in cfg.backbone
        assert cfg.backbone.get('pretrained', False) is False
        assert cfg.decode_head.num_classes == entry.num_classes == 19
        assert 'SyncBN' not in repr(cfg)


@pytest.mark.parametrize('diff,flagged', [(0.49, False), (-0.51, True),
                                          (12.0, True)])
def test_format_table_flags(tool, diff, flagged):
    row = dict(method='M', backbone='B', num_classes=2, backbone_params=1,
               head_params=1, aux_params=0, total=2, paper=2,
               diff_pct=diff)
    line = tool.format_table([row]).splitlines()[-1]
    assert line.endswith('| > 0.5% |') is flagged


@pytest.mark.parametrize('argv', [['--models', 'unet-r34'],
                                  ['--tolerance', '-1']])
def test_rejects_bad_arguments(tool, argv, capsys):
    with pytest.raises(SystemExit):
        tool.main(argv)
    assert 'error' in capsys.readouterr().err


def test_unknown_key(tool):
    with pytest.raises(KeyError, match='expected one of'):
        tool.load_model_config('unet-r34')
