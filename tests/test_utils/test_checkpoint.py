import io
import pickle
import re

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmseg_jml  # noqa: F401  (registers the safe globals)
from mmseg_jml.utils.checkpoint import (history_buffer_getattr,
                                        register_mmengine_safe_globals,
                                        unregister_mmengine_safe_globals)


def _roundtrip(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, map_location='cpu', weights_only=True)


def test_message_hub_state_loads_with_weights_only():
    hub = MessageHub('test_checkpoint_hub')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', np.float64(0.5))
    hub.update_info('iter', 3)
    state = dict(
        message_hub=hub.state_dict(),
        meta=dict(seed=np.int64(7), dataset_meta=dict(classes=('a', 'b'))),
        state_dict={'w': torch.ones(2)})
    loaded = _roundtrip(state)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.mean() == pytest.approx(1.0)
    assert loaded['meta']['seed'] == 7
    torch.testing.assert_close(loaded['state_dict']['w'], torch.ones(2))


def test_restricted_getattr_allows_history_buffer_methods_only():
    assert history_buffer_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError, match='only allows'):
        history_buffer_getattr(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError, match='only allows'):
        history_buffer_getattr(np, 'load')


class _Reduce:
    """Pickles as ``func(*args)``: a crafted checkpoint payload."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _unsupported(func):
    """torch's message for a global off the allow-list, naming it (the
    module part varies: ``posix.system``, ``commands.Popen``, ``eval``)."""
    return rf'(?is)unsupported global.*\b{re.escape(func.__name__)}\b'


def _crafted_payloads(marker):
    import builtins
    import collections
    import os
    import subprocess
    touch = f'open({str(marker)!r}, "w").close()'
    return {
        # getattr on anything but HistoryBuffer's public methods
        'getattr-ordereddict': (_Reduce(getattr, collections.OrderedDict,
                                        'fromkeys'), 'only allows'),
        'getattr-ndarray': (_Reduce(getattr, np.ndarray, 'tofile'),
                            'only allows'),
        'getattr-history-init': (_Reduce(getattr, HistoryBuffer, '__init__'),
                                 'only allows'),
        'getattr-history-private': (_Reduce(getattr, HistoryBuffer,
                                            '_set_max_length'),
                                    'only allows'),
        'getattr-history-class': (_Reduce(getattr, HistoryBuffer,
                                          '__class__'), 'only allows'),
        # code execution
        'os.system': (_Reduce(os.system, f'touch {marker}'),
                      _unsupported(os.system)),
        'eval': (_Reduce(eval, touch), _unsupported(eval)),
        'exec': (_Reduce(exec, touch), _unsupported(exec)),
        'builtins.__import__': (_Reduce(builtins.__import__, 'os'),
                                _unsupported(builtins.__import__)),
        'subprocess.Popen': (_Reduce(subprocess.Popen, ['touch',
                                                        str(marker)]),
                             _unsupported(subprocess.Popen)),
        'subprocess.check_call': (_Reduce(subprocess.check_call,
                                          ['touch', str(marker)]),
                                  _unsupported(subprocess.check_call)),
    }


CRAFTED = list(_crafted_payloads('x'))


@pytest.mark.parametrize('name', CRAFTED)
def test_crafted_checkpoints_are_rejected(name, tmp_path):
    """With the allow-list extended (import mmseg_jml), a checkpoint that
    uses getattr on anything else, os.system, eval, exec or subprocess still
    fails to load under weights_only=True, and runs nothing."""
    marker = tmp_path / 'pwned'
    payload, match = _crafted_payloads(marker)[name]
    with pytest.raises(pickle.UnpicklingError, match=match):
        _roundtrip({'state_dict': {'w': torch.ones(1)}, 'x': payload})
    assert not marker.exists()


@pytest.fixture
def restore_registration():
    yield
    unregister_mmengine_safe_globals()
    register_mmengine_safe_globals()


def _hub_state():
    hub = MessageHub('test_checkpoint_opt_out')
    hub.update_scalar('train/loss', 1.5)
    return dict(message_hub=hub.state_dict())


def test_unregister_is_the_opt_out(restore_registration):
    assert unregister_mmengine_safe_globals() > 0
    safe = torch.serialization.get_safe_globals()
    assert HistoryBuffer not in safe
    assert (history_buffer_getattr, 'builtins.getattr') not in safe
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        _roundtrip(_hub_state())
    assert unregister_mmengine_safe_globals() == 0  # nothing left to remove
    assert register_mmengine_safe_globals() is True
    loaded = _roundtrip(_hub_state())
    assert isinstance(loaded['message_hub']['log_scalars']['train/loss'],
                      HistoryBuffer)


def test_unregister_keeps_entries_it_did_not_add(restore_registration):
    unregister_mmengine_safe_globals()

    class UserThing:
        pass

    # present before the registration: the user's, not ours
    torch.serialization.add_safe_globals([np.ndarray, UserThing])
    register_mmengine_safe_globals()
    register_mmengine_safe_globals()  # idempotent
    unregister_mmengine_safe_globals()
    safe = torch.serialization.get_safe_globals()
    assert np.ndarray in safe and UserThing in safe
    assert HistoryBuffer not in safe
    # clean up the user's entries
    kept = [g for g in safe if g not in (np.ndarray, UserThing)]
    torch.serialization.clear_safe_globals()
    torch.serialization.add_safe_globals(kept)


def test_unregister_is_exported_from_utils():
    import mmseg_jml.utils
    assert mmseg_jml.utils.unregister_mmengine_safe_globals is \
        unregister_mmengine_safe_globals
