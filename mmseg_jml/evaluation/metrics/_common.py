"""Helpers shared by the metrics: reading MMSeg data samples, validation."""
from typing import Any, Mapping, Optional, Sequence

import numpy as np
import torch
from torch import Tensor


class MissingDataError(KeyError):
    """A field a metric needs is missing from a data sample.

    A ``KeyError`` whose message prints as written (``KeyError`` quotes it).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


def check_int(name: str, value: Any, minimum: Optional[int] = None) -> int:
    """Return ``value`` if it is an ``int`` (not a bool) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f'expected {name} to be an int, got {type(value).__name__}')
    if minimum is not None and value < minimum:
        raise ValueError(f'expected {name} >= {minimum}, got {value}')
    return int(value)


def check_decimals(decimals: Optional[int]) -> Optional[int]:
    """Validate the ``decimals`` argument (``None`` = no rounding)."""
    if decimals is None:
        return None
    return check_int('decimals', decimals, minimum=0)


def class_names(dataset_meta: Optional[Mapping]) -> Sequence[str]:
    """The class names of ``dataset_meta``, with a clear error if missing."""
    if not dataset_meta or 'classes' not in dataset_meta:
        raise ValueError(
            'expected dataset_meta with a "classes" entry (the Runner sets it '
            'from the dataset; set metric.dataset_meta = dict(classes=...) '
            f'when using the metric directly), got {dataset_meta!r}')
    return tuple(dataset_meta['classes'])


def pixel_data(data_sample: Mapping, key: str) -> Tensor:
    """``data_sample[key]['data']`` of an MMSeg data sample dict."""
    if key not in data_sample:
        raise MissingDataError(f'expected "{key}" in the data sample, got keys '
                       f'{sorted(data_sample.keys())}')
    field = data_sample[key]
    data = field['data'] if isinstance(field, Mapping) else field.data
    if not isinstance(data, Tensor):
        data = torch.as_tensor(np.asarray(data))
    return data


def label_map(data_sample: Mapping, key: str) -> Tensor:
    """A ``(1, H, W)`` or ``(H, W)`` label map of a data sample as ``(H, W)``
    long tensor."""
    data = pixel_data(data_sample, key)
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(f'expected {key} of shape (1, H, W) or (H, W), got '
                         f'{tuple(data.shape)}')
    if data.is_floating_point():
        data = data.round()
    return data.long()


def check_labels(name: str, label: Tensor, num_classes: int,
                 ignore_index: Optional[int]) -> None:
    """Raise ``ValueError`` if ``label`` holds values outside ``[0, C)``
    other than ``ignore_index``."""
    bad = (label < 0) | (label >= num_classes)
    if ignore_index is not None:
        bad &= label != ignore_index
    if bool(bad.any()):
        raise ValueError(
            f'expected {name} values in [0, {num_classes}) or ignore_index '
            f'{ignore_index}, got {label[bad].unique()[:10].tolist()}')


def percent(value: float, decimals: Optional[int]) -> float:
    """``100 * value`` as a Python float, rounded to ``decimals``."""
    value = float(value) * 100.0
    return value if decimals is None else round(value, decimals)


def permille(value: float, decimals: Optional[int]) -> float:
    """``1000 * value`` as a Python float, rounded to ``decimals``."""
    value = float(value) * 1000.0
    return value if decimals is None else round(value, decimals)
