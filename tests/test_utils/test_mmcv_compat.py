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
        from mmseg.models.decode_heads import psa_head
        assert psa_head.PSAMask is None


def test_fresh_interpreter_imports_mmseg_models_after_plugin():
    code = 'import mmseg_jml, mmseg.models; print("ok")'
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == 'ok'
