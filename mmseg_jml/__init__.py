"""mmseg_jml: Jaccard metric losses for MMSegmentation 1.x.

Importing the package (directly or through
``custom_imports=dict(imports=['mmseg_jml'])`` in a config) registers its
losses, segmentors, datasets and metrics in MMSeg's registries. It first
makes the stack usable where it is not out of the box: a stand-in
``mmcv.ops`` on ``mmcv-lite`` (nothing changes with a full mmcv), and
MMEngine's checkpoint classes on torch's process-wide ``weights_only``
allow-list, with ``getattr`` bound to a version restricted to
``HistoryBuffer``'s methods (the exact list is in
:mod:`mmseg_jml.utils.checkpoint`). To opt out of the latter, call
:func:`mmseg_jml.utils.unregister_mmengine_safe_globals` after the import.
"""
from .utils.checkpoint import register_mmengine_safe_globals
from .utils.mmcv_compat import install_mmcv_ops_fallback

install_mmcv_ops_fallback()
register_mmengine_safe_globals()

from . import datasets, engine, evaluation, models  # noqa: E402,F401
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'datasets', 'engine', 'evaluation', 'models']
