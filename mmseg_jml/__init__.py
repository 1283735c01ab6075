"""mmseg_jml: Jaccard metric losses for MMSegmentation 1.x.

Importing the package (directly or through
``custom_imports=dict(imports=['mmseg_jml'])`` in a config) registers its
losses, segmentors, datasets and metrics in MMSeg's registries. It first
makes the stack usable where it is not out of the box: a stand-in
``mmcv.ops`` on ``mmcv-lite`` (nothing changes with a full mmcv), and
MMEngine's checkpoint classes on torch's ``weights_only`` allow-list.
"""
from .utils.checkpoint import register_mmengine_safe_globals
from .utils.mmcv_compat import install_mmcv_ops_fallback

install_mmcv_ops_fallback()
register_mmengine_safe_globals()

from . import datasets, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'datasets', 'evaluation', 'models']
from . import engine  # noqa: E402,F401
