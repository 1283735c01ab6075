"""Shared helpers of the config tests.

The paper configs start from ImageNet weights, as the paper did. The tests
run offline, so they switch the weights off on the model config they build,
with the same keys a user passes to ``--cfg-options``:

- timm backbones (DeepLabV3, PSPNet, UNet): ``model.backbone.pretrained=False``
  (``TIMMBackbone`` would download them while building);
- MiT backbones (SegFormer): ``model.backbone.init_cfg=None`` (MMSeg would
  load them in ``init_weights``, which building does not call).
"""
from typing import Any, Callable, Dict

import pytest

#: backbone type -> the ``--cfg-options`` that switch its ImageNet weights off
PRETRAINING_OFF: Dict[str, Dict[str, Any]] = {
    'TIMMBackbone': {
        'model.backbone.pretrained': False
    },
    'MixVisionTransformer': {
        'model.backbone.init_cfg': None
    },
}


def switch_off_pretraining(cfg) -> None:
    """Apply :data:`PRETRAINING_OFF` to a loaded config, in place.

    Args:
        cfg (mmengine.Config): A config with a ``model`` section.
    """
    options = PRETRAINING_OFF.get(cfg.model.backbone.type)
    if options:
        cfg.merge_from_dict(options)


@pytest.fixture(scope='session')
def pretraining_off() -> Callable:
    """:func:`switch_off_pretraining`, for the test modules."""
    return switch_off_pretraining
