"""Load MMEngine checkpoints on torch >= 2.6 without unpickling arbitrary code.

Since torch 2.6, :func:`torch.load` defaults to ``weights_only=True``, which
rejects every global that is not on an allow-list. MMEngine 0.10.x (its
:class:`~mmengine.runner.checkpoint.CheckpointLoader` calls ``torch.load``
without the argument) writes checkpoints whose ``message_hub`` holds
:class:`~mmengine.logging.HistoryBuffer` objects backed by numpy arrays, so
``--resume`` and ``tools/test.py`` fail with ``Unsupported global: GLOBAL
mmengine.logging.history_buffer.HistoryBuffer``.

:func:`register_mmengine_safe_globals` adds exactly the classes and numpy
reconstruction helpers that MMEngine's own checkpoints contain to torch's
allow-list. Loading stays in the restricted ``weights_only`` unpickler: a
file of unknown origin still cannot run code, and a checkpoint that needs
any other global still fails with torch's message (which names the global
and the ``torch.serialization.add_safe_globals`` opt-in).

The one generic global these checkpoints need is ``getattr``: a
``HistoryBuffer`` pickles its statistics methods as
``getattr(HistoryBuffer, 'mean')``. Allowing the builtin would let a crafted
file reach any attribute of any allowed object, so the name is bound to
:func:`history_buffer_getattr` instead, which resolves only the methods of
``HistoryBuffer`` and rejects everything else.
"""
import pickle
from typing import List

import numpy as np
import torch


def history_buffer_getattr(obj: object, name: str) -> object:
    """``getattr`` restricted to the statistics methods of ``HistoryBuffer``.

    Args:
        obj: Must be :class:`~mmengine.logging.HistoryBuffer` itself.
        name (str): A public method name of ``HistoryBuffer``.

    Returns:
        The method.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    if (obj is HistoryBuffer and isinstance(name, str)
            and not name.startswith('_')
            and callable(HistoryBuffer.__dict__.get(name))):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); mmseg_jml only '
        f'allows the statistics methods of mmengine HistoryBuffer')


def _mmengine_checkpoint_globals() -> List[object]:
    from mmengine.logging.history_buffer import HistoryBuffer

    safe: List[object] = [
        HistoryBuffer,
        (history_buffer_getattr, 'builtins.getattr'),
        (history_buffer_getattr, '__builtin__.getattr'),
    ]
    # numpy arrays and scalars pickle through these reconstruction helpers
    # (``numpy._core`` on numpy >= 2, ``numpy.core`` before).
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    safe += [np.ndarray, np.dtype, _reconstruct, scalar]
    # ``np.dtype`` instances pickle as their concrete dtype classes
    # (``numpy.dtypes.Float64DType`` ...) on numpy >= 1.25.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return safe


def register_mmengine_safe_globals() -> bool:
    """Allow the globals of MMEngine checkpoints in ``torch.load``.

    Returns:
        bool: True if the allow-list was extended, False on a torch without
        ``torch.serialization.add_safe_globals`` (torch < 2.4, which does not
        default to ``weights_only=True`` either).
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:
        return False
    add_safe_globals(_mmengine_checkpoint_globals())
    return True
