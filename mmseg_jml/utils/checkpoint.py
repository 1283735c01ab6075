"""Load MMEngine checkpoints on torch >= 2.6 without unpickling arbitrary code.

Since torch 2.6, :func:`torch.load` defaults to ``weights_only=True``, which
rejects every global that is not on an allow-list. MMEngine 0.10.x (its
:class:`~mmengine.runner.checkpoint.CheckpointLoader` calls ``torch.load``
without the argument) writes checkpoints whose ``message_hub`` holds
:class:`~mmengine.logging.HistoryBuffer` objects backed by numpy arrays, so
``--resume`` and ``tools/test.py`` fail with ``Unsupported global: GLOBAL
mmengine.logging.history_buffer.HistoryBuffer``.

:func:`register_mmengine_safe_globals` (called by ``import mmseg_jml``)
adds exactly the globals that MMEngine's own checkpoints contain to torch's
process-wide allow-list (``torch.serialization.add_safe_globals``):

- ``mmengine.logging.history_buffer.HistoryBuffer``;
- the names ``builtins.getattr`` and ``__builtin__.getattr``, bound to
  :func:`history_buffer_getattr` (not to the builtin, see below);
- ``numpy.ndarray``, ``numpy.dtype`` and the array / scalar reconstruction
  helpers ``_reconstruct`` and ``scalar`` of ``numpy._core.multiarray``
  (``numpy.core.multiarray`` on numpy < 2);
- every ``numpy.dtypes.*DType`` class (numpy >= 1.25), as which
  ``np.dtype`` instances pickle.

Nothing else. Loading stays in the restricted ``weights_only`` unpickler: a
file of unknown origin still cannot run code (``os.system``, ``eval``,
``subprocess``, ... remain unsupported globals), and a checkpoint that needs
any other global still fails with torch's message (which names the global
and the ``torch.serialization.add_safe_globals`` opt-in).

The one generic global these checkpoints need is ``getattr``: a
``HistoryBuffer`` pickles its statistics methods as
``getattr(HistoryBuffer, 'mean')``. Allowing the builtin would let a crafted
file reach any attribute of any allowed object, so the name is bound to
:func:`history_buffer_getattr` instead, which resolves only the public
methods of ``HistoryBuffer`` and rejects everything else.

Opting out: :func:`unregister_mmengine_safe_globals` removes exactly the
entries that :func:`register_mmengine_safe_globals` added (entries that were
on the allow-list before are kept); MMEngine checkpoints then need
``weights_only=False`` or the user's own allow-list again.
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


#: The allow-list entries added by :func:`register_mmengine_safe_globals`
#: (those that were not there before), removed again by
#: :func:`unregister_mmengine_safe_globals`.
_ADDED: List[object] = []


def register_mmengine_safe_globals() -> bool:
    """Allow the globals of MMEngine checkpoints in ``torch.load``.

    Adds the entries listed in the module docstring to torch's process-wide
    ``weights_only`` allow-list; entries already there are left alone (and
    are not removed by :func:`unregister_mmengine_safe_globals`). Calling it
    again adds nothing new.

    Returns:
        bool: True if the allow-list holds the entries, False on a torch
        without ``torch.serialization.add_safe_globals`` (torch < 2.4, which
        does not default to ``weights_only=True`` either).
    """
    serialization = torch.serialization
    if not hasattr(serialization, 'add_safe_globals'):
        return False
    present = set(serialization.get_safe_globals())
    new = [g for g in _mmengine_checkpoint_globals() if g not in present]
    serialization.add_safe_globals(new)
    _ADDED.extend(new)
    return True


def unregister_mmengine_safe_globals() -> int:
    """Undo :func:`register_mmengine_safe_globals`: the opt-out.

    ``import mmseg_jml`` registers MMEngine's checkpoint globals; call this
    afterwards to restore torch's allow-list as it was: exactly the entries
    that the registration added are removed, every other entry (torch's,
    the user's, one that was present before) is kept. Afterwards
    ``torch.load(..., weights_only=True)`` rejects MMEngine checkpoints that
    hold a ``HistoryBuffer`` again.

    Returns:
        int: The number of entries removed (0 if nothing was registered, or
        on a torch without ``torch.serialization.add_safe_globals``).
    """
    serialization = torch.serialization
    if not _ADDED or not hasattr(serialization, 'add_safe_globals'):
        return 0
    added = set(_ADDED)
    current = serialization.get_safe_globals()
    kept = [g for g in current if g not in added]
    serialization.clear_safe_globals()
    serialization.add_safe_globals(kept)
    _ADDED.clear()
    return len(current) - len(kept)
