"""The plugin registers into MMSeg's registries, directly or via
``custom_imports``."""
import subprocess
import sys
import textwrap


def _run(code):
    proc = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_registers_modules():
    out = _run("""
        import mmseg_jml
        from mmseg.registry import DATASETS, MODELS
        print(DATASETS.get('MNI152TissueDataset').__name__)
        print(DATASETS.get('SyntheticShapesDataset').__name__)
        print(MODELS.get('JaccardMetricLoss').__name__)
        """)
    assert out.split() == [
        'MNI152TissueDataset', 'SyntheticShapesDataset', 'JaccardMetricLoss'
    ]


def test_custom_imports_in_config_registers_modules(tmp_path):
    config = tmp_path / 'cfg.py'
    config.write_text(
        "custom_imports = dict(imports=['mmseg_jml'], "
        "allow_failed_imports=False)\n"
        "model = dict(type='JaccardMetricLoss')\n")
    out = _run(f"""
        import sys
        from mmengine.config import Config
        from mmengine.registry import init_default_scope
        assert 'mmseg_jml' not in sys.modules
        cfg = Config.fromfile({str(config)!r})
        init_default_scope('mmseg')
        from mmseg.registry import MODELS
        loss = MODELS.build(cfg.model)
        print(type(loss).__name__, loss.loss_name)
        """)
    assert out.split() == ['JaccardMetricLoss', 'loss_jml']
