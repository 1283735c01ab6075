import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmseg_jml  # noqa: F401  (registers the safe globals)
from mmseg_jml.utils.checkpoint import history_buffer_getattr


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


class _Evil:
    # getattr on a class torch itself allows: still refused.

    def __reduce__(self):
        import collections
        return (getattr, (collections.OrderedDict, 'fromkeys'))


class _EvilCall:

    def __reduce__(self):
        import os
        return (os.system, ('echo pwned',))


@pytest.mark.parametrize('payload,match', [
    (_Evil(), 'only allows'),
    (_EvilCall(), 'Weights only load failed'),
])
def test_crafted_checkpoints_are_rejected(payload, match):
    with pytest.raises(pickle.UnpicklingError, match=match):
        _roundtrip({'x': payload})
