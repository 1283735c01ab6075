import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

import mmseg_jml  # noqa: F401
from mmseg_jml.utils import mmcv_compat


def test_import_mmseg_models_works():
    import mmseg.models  # noqa: F401
    from mmseg.models.utils.point_sample import point_sample  # noqa: F401


@pytest.mark.skipif(
    mmcv_compat.compiled_mmcv_ops_available(),
    reason='a full mmcv build is installed: the stand-in is not used')
class TestFallback:

    def test_fallback_is_installed_on_mmcv_lite(self):
        assert mmcv_compat.is_fallback_installed()
        assert mmcv_compat.install_mmcv_ops_fallback() is True

    def test_point_sample_matches_grid_sample(self):
        import mmcv.ops
        torch.manual_seed(0)
        feats = torch.randn(2, 3, 5, 7)
        points = torch.rand(2, 11, 2)
        out = mmcv.ops.point_sample(feats, points, align_corners=False)
        assert out.shape == (2, 3, 11)
        # Independent check: sample one point by explicit bilinear weights.
        n, p = 1, 4
        x = points[n, p, 0] * 7 - 0.5
        y = points[n, p, 1] * 5 - 0.5
        padded = F.pad(feats[n], (1, 1, 1, 1))
        x0, y0 = int(torch.floor(x)), int(torch.floor(y))
        wx, wy = x - x0, y - y0
        expected = ((1 - wx) * (1 - wy) * padded[:, y0 + 1, x0 + 1] +
                    wx * (1 - wy) * padded[:, y0 + 1, x0 + 2] +
                    (1 - wx) * wy * padded[:, y0 + 2, x0 + 1] +
                    wx * wy * padded[:, y0 + 2, x0 + 2])
        torch.testing.assert_close(out[n, :, p], expected)

    def test_point_sample_grid_input_shape(self):
        import mmcv.ops
        out = mmcv.ops.point_sample(
            torch.randn(1, 2, 8, 8), torch.rand(1, 3, 4, 2))
        assert out.shape == (1, 2, 3, 4)

    def test_other_ops_raise_clear_import_error(self):
        with pytest.raises(ImportError, match='needs the compiled mmcv ops'):
            from mmcv.ops import PSAMask  # noqa: F401

    def test_sigmoid_focal_loss_raises_clear_error(self):
        import mmcv.ops
        with pytest.raises(RuntimeError, match='full mmcv'):
            mmcv.ops.sigmoid_focal_loss(torch.zeros(1), torch.zeros(1))

    def test_guarded_mmseg_heads_are_none(self):
        from mmseg.models.decode_heads import cc_head, psa_head
        assert psa_head.PSAMask is None
        assert cc_head.CrissCrossAttention is None

    @pytest.mark.parametrize('name', ['nms', 'PSAMask', 'RoIAlign'])
    def test_hasattr_of_a_missing_op_is_false(self, name):
        """Probing code (``hasattr``, ``getattr(..., None)``) sees a missing
        attribute, not a ModuleNotFoundError."""
        import mmcv.ops
        assert not hasattr(mmcv.ops, name)
        assert getattr(mmcv.ops, name, None) is None
        with pytest.raises(AttributeError,
                           match=f'mmcv.ops.{name} needs the compiled mmcv'):
            getattr(mmcv.ops, name)

    def test_from_import_of_a_missing_op_names_mmcv_ext(self):
        # what mmcv-lite itself raises, and what MMSeg's guards catch
        with pytest.raises(ModuleNotFoundError,
                           match='mmcv.ops.nms needs the compiled') as info:
            from mmcv.ops import nms  # noqa: F401
        assert info.value.name == 'mmcv._ext'
        with pytest.raises(ModuleNotFoundError, match='needs the compiled'):
            import mmcv.ops.roi_align  # noqa: F401

    def test_find_spec_returns_a_package_spec(self):
        import importlib.machinery
        import importlib.util

        import mmcv.ops
        spec = importlib.util.find_spec('mmcv.ops')
        assert isinstance(spec, importlib.machinery.ModuleSpec)
        assert spec.name == mmcv.ops.__package__ == 'mmcv.ops'
        assert spec is mmcv.ops.__spec__
        assert spec.submodule_search_locations == []
        assert spec.loader is mmcv.ops.__loader__
        # a fresh module from the same spec is an equivalent stand-in
        fresh = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fresh)
        assert fresh.point_sample is mmcv.ops.point_sample
        assert not hasattr(fresh, 'nms')

    def test_finder_leaves_other_modules_alone(self):
        assert mmcv_compat._SUBMODULE_FINDER.find_spec('mmcv.cnn',
                                                       None) is None
        assert mmcv_compat._SUBMODULE_FINDER.find_spec('json', None) is None
        assert mmcv_compat.install_mmcv_ops_fallback() is True
        assert sys.meta_path.count(mmcv_compat._SUBMODULE_FINDER) == 1


def test_fresh_interpreter_imports_mmseg_models_after_plugin():
    code = ('import importlib.util, mmseg_jml, mmseg.models, mmcv.ops; '
            'assert not hasattr(mmcv.ops, "nms"); '
            'assert importlib.util.find_spec("mmcv.ops") is not None; '
            'print("ok")')
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'ok'
