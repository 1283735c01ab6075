"""Reliability diagrams (confidence vs accuracy per bin) as PNG files."""
import os
import os.path as osp
from typing import Dict, Mapping, Optional

import numpy as np

__all__ = ['save_reliability_diagram']


def save_reliability_diagram(path: str,
                             panels: Mapping[str, np.ndarray],
                             ece: Optional[Mapping[str, float]] = None,
                             dpi: int = 120) -> str:
    """Save one PNG with a reliability diagram per pixel set.

    Each panel shows, per equal-width confidence bin, the accuracy as a bar
    (the gap to the mean confidence in red), the diagonal of perfect
    calibration, and below it the number of pixels of each bin (log scale).
    Empty bins have no bar.

    Args:
        path (str): Output file (``.png``); its directory is created.
        panels (Mapping[str, np.ndarray]): Panel title -> ``(3, num_bins)``
            array of pixel count, confidence sum and hit (correct) sum per
            bin, as :class:`CalibrationMetric` accumulates them.
        ece (Mapping[str, float], optional): Panel title -> ECE in percent,
            shown in the panel's legend.
        dpi (int): Resolution. Defaults to 120.

    Returns:
        str: ``path``.
    """
    # The object-oriented API with an Agg canvas: no global backend change.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if len(panels) == 0:
        raise ValueError('expected at least one panel, got 0')
    arrays: Dict[str, np.ndarray] = {}
    for title, total in panels.items():
        total = np.asarray(total, dtype=np.float64)
        if total.ndim != 2 or total.shape[0] != 3 or total.shape[1] < 1:
            raise ValueError(f'expected a (3, num_bins) array for panel '
                             f'{title!r}, got shape {total.shape}')
        arrays[title] = total

    fig = Figure(figsize=(4.5 * len(arrays), 6))
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, len(arrays), height_ratios=(3, 1))
    for col, (title, (count, conf_sum, hit_sum)) in enumerate(arrays.items()):
        num_bins = count.shape[0]
        edges = np.linspace(0, 1, num_bins + 1)
        left, width = edges[:-1], 1.0 / num_bins
        filled = count > 0
        acc = np.divide(hit_sum, count, out=np.zeros_like(count),
                        where=filled)
        conf = np.divide(conf_sum, count, out=np.zeros_like(count),
                         where=filled)

        ax = fig.add_subplot(grid[0, col])
        ax.bar(left[filled], acc[filled], width=width, align='edge',
               color='tab:blue', edgecolor='black', linewidth=0.5,
               label='accuracy')
        ax.bar(left[filled], conf[filled] - acc[filled], bottom=acc[filled],
               width=width, align='edge', color='tab:red', alpha=0.3,
               edgecolor='tab:red', linewidth=0.5, label='gap to confidence')
        ax.plot([0, 1], [0, 1], linestyle='--', color='gray',
                label='perfect calibration')
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_ylabel('accuracy')
        heading = f'{title} ({int(count.sum())} px)'
        if ece is not None and title in ece:
            heading += f', ECE {ece[title]:.2f}%'
        ax.set_title(heading)
        ax.legend(loc='upper left', fontsize='small')

        ax_count = fig.add_subplot(grid[1, col], sharex=ax)
        ax_count.bar(left, count, width=width, align='edge', color='gray',
                     edgecolor='black', linewidth=0.5)
        if count.max() > 0:
            ax_count.set_yscale('log')
        ax_count.set_xlabel('confidence')
        ax_count.set_ylabel('pixels per bin')
    fig.tight_layout()
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fig.savefig(path, dpi=dpi, format='png')
    return path
