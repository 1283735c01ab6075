"""Make ``import mmseg.models`` work on ``mmcv-lite``.

MMSeg 1.2.x imports a few names from ``mmcv.ops`` at module level
(``point_sample`` in ``mmseg.utils.mask_classification``,
``mmseg.models.utils.point_sample`` and ``san_head``; ``sigmoid_focal_loss``
in ``losses/focal_loss``). ``mmcv-lite`` ships ``mmcv/ops`` without the
compiled ``mmcv._ext`` extension, so those imports fail and no MMSeg model
can be built.

:func:`install_mmcv_ops_fallback` registers a stand-in ``mmcv.ops`` module
only when the compiled ops are missing. The stand-in provides a pure-PyTorch
``point_sample`` (the only op the models of the paper touch) and a
``sigmoid_focal_loss`` that raises a clear error when called. With a full
``mmcv`` installation nothing is changed.

The stand-in behaves like a regular package towards code that probes it:

- any other op is a missing attribute: ``hasattr(mmcv.ops, 'nms')`` is
  False and ``mmcv.ops.nms`` raises :class:`AttributeError` saying that it
  needs the compiled ops;
- ``from mmcv.ops import PSAMask`` (and ``import mmcv.ops.<name>``) raises
  :class:`ModuleNotFoundError` for ``mmcv._ext``, as ``mmcv-lite`` itself
  does, which MMSeg's guarded imports (``try: from mmcv.ops import PSAMask
  except ModuleNotFoundError``) handle; a meta path finder that answers
  only for ``mmcv.ops.*`` while the stand-in is installed raises it;
- ``importlib.util.find_spec('mmcv.ops')`` returns the stand-in's module
  spec (a package spec with this module's loader).
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

_FALLBACK_ATTR = '__mmseg_jml_fallback__'


def point_sample(input: Tensor,
                 points: Tensor,
                 align_corners: bool = False,
                 **kwargs: object) -> Tensor:
    """Sample ``input`` at normalised ``points`` with bilinear interpolation.

    Pure-PyTorch equivalent of ``mmcv.ops.point_sample``.

    Args:
        input (Tensor): Feature map of shape (N, C, H, W).
        points (Tensor): Point coordinates in [0, 1], shape (N, P, 2) or
            (N, Hg, Wg, 2).
        align_corners (bool): Passed to :func:`torch.nn.functional.grid_sample`.
            Defaults to False.
        **kwargs: Further keyword arguments of
            :func:`torch.nn.functional.grid_sample` (same contract as mmcv).

    Returns:
        Tensor: Sampled features of shape (N, C, P) or (N, C, Hg, Wg).
    """
    add_dim = points.dim() == 3
    if add_dim:
        points = points.unsqueeze(2)
    output = F.grid_sample(
        input, 2.0 * points - 1.0, align_corners=align_corners, **kwargs)
    if add_dim:
        output = output.squeeze(3)
    return output


def sigmoid_focal_loss(*args: object, **kwargs: object) -> Tensor:
    """Raise: the compiled sigmoid focal loss needs a full mmcv build."""
    raise RuntimeError(
        'mmcv.ops.sigmoid_focal_loss needs the compiled mmcv ops, but only '
        'mmcv-lite is installed; install the full mmcv (`mim install '
        '"mmcv>=2.0.0,<2.2.0"`) or use a loss that does not need it '
        '(for example FocalLoss(use_sigmoid=False)).')


def _missing_op_message(name: str) -> str:
    return (f'mmcv.ops.{name} needs the compiled mmcv ops, but only '
            f'mmcv-lite is installed (mmseg_jml provides point_sample only); '
            f'install the full mmcv with `mim install "mmcv>=2.0.0,<2.2.0"`.')


class _FallbackLoader(importlib.abc.Loader):
    """Loader of the stand-in ``mmcv.ops`` (fills a fresh module)."""

    def create_module(
            self, spec: importlib.machinery.ModuleSpec
    ) -> Optional[types.ModuleType]:
        return None  # the default module creation

    def exec_module(self, module: types.ModuleType) -> None:
        module.__doc__ = 'mmseg_jml stand-in for mmcv.ops on mmcv-lite.'
        module.point_sample = point_sample
        module.sigmoid_focal_loss = sigmoid_focal_loss
        setattr(module, _FALLBACK_ATTR, True)

        def __getattr__(name: str) -> object:
            if name.startswith('__'):
                raise AttributeError(name)
            raise AttributeError(_missing_op_message(name), name=name,
                                 obj=module)

        module.__getattr__ = __getattr__  # type: ignore[attr-defined]


class _FallbackSubmoduleFinder(importlib.abc.MetaPathFinder):
    """Answers ``import mmcv.ops.<name>`` while the stand-in is installed.

    Raises :class:`ModuleNotFoundError` for ``mmcv._ext`` (what the real
    ``mmcv.ops`` raises on ``mmcv-lite``). Naming ``mmcv._ext`` rather than
    the requested submodule matters: ``from mmcv.ops import X`` first tries
    ``mmcv.ops.X`` as a submodule and, if the error names exactly that
    submodule, swallows it and raises a plain :class:`ImportError`, which
    MMSeg's ``except ModuleNotFoundError`` guards would not catch.
    """

    def find_spec(self,
                  fullname: str,
                  path: Optional[Sequence[str]],
                  target: Optional[types.ModuleType] = None) -> None:
        if not fullname.startswith('mmcv.ops.') or not is_fallback_installed():
            return None
        raise ModuleNotFoundError(
            _missing_op_message(fullname[len('mmcv.ops.'):]), name='mmcv._ext')


_SUBMODULE_FINDER = _FallbackSubmoduleFinder()


def _make_fallback_module() -> types.ModuleType:
    spec = importlib.machinery.ModuleSpec(
        'mmcv.ops',
        _FallbackLoader(),
        origin='mmseg_jml stand-in for mmcv-lite',
        is_package=True)
    module = importlib.util.module_from_spec(spec)  # __path__ = []
    spec.loader.exec_module(module)
    return module


def compiled_mmcv_ops_available() -> bool:
    """Whether the real, compiled ``mmcv.ops`` imports."""
    module = sys.modules.get('mmcv.ops')
    if module is not None:
        return not getattr(module, _FALLBACK_ATTR, False)
    try:
        importlib.import_module('mmcv.ops')
    except ImportError as error:
        # Only a missing compiled extension is expected; anything else is a
        # genuinely broken installation and must surface.
        if 'mmcv._ext' not in str(error) and '_ext' not in str(error):
            raise
        sys.modules.pop('mmcv.ops', None)
        return False
    return True


def install_mmcv_ops_fallback() -> bool:
    """Register the stand-in ``mmcv.ops`` if the compiled ops are missing.

    Returns:
        bool: True if the stand-in was installed (now or earlier), False if
        the real compiled ops are in use.
    """
    if compiled_mmcv_ops_available():
        return False
    if 'mmcv.ops' not in sys.modules:
        import mmcv
        module = _make_fallback_module()
        sys.modules['mmcv.ops'] = module
        mmcv.ops = module  # type: ignore[attr-defined]
    if _SUBMODULE_FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _SUBMODULE_FINDER)
    return True


def is_fallback_installed() -> bool:
    """Whether ``mmcv.ops`` currently is the mmseg_jml stand-in."""
    return getattr(sys.modules.get('mmcv.ops'), _FALLBACK_ATTR, False)
