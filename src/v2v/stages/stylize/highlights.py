"""A designed highlight (``phase2.flatten.glass_highlight``, off by default): each window the
glass rules of :mod:`v2v.stages.stylize.glass` found gets one diagonal light streak, as some
house styles draw glass."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.stages.stylize.raster import Labels

#: Designed highlight: a streak at 45° across the window, HIGHLIGHT_WIDTH of its bounding
#: box's width wide and centred HIGHLIGHT_AT of the way across it, HIGHLIGHT_LIFT (L*) lighter
#: than the glass (neutral). Windows under HIGHLIGHT_MIN_SHARE of the vehicle get none.
HIGHLIGHT_WIDTH, HIGHLIGHT_AT, HIGHLIGHT_LIFT, HIGHLIGHT_MIN_SHARE = 0.18, 0.35, 30.0, 0.004


def paint_highlights(
    labels: Labels, colors: NDArray[np.float64], windows: list[int]
) -> tuple[Labels, NDArray[np.float64]]:
    """One designed highlight per window: ``labels`` (h, w) region ids (no -1), ``colors``
    (n, 3) CIELAB, ``windows`` the window regions' ids. The streaks are new regions appended
    to ``colors``."""
    labels = labels.copy()
    vehicle = float(labels.size)
    added: list[NDArray[np.float64]] = []
    for window in windows:
        inside = labels == window
        if inside.sum() < HIGHLIGHT_MIN_SHARE * vehicle:
            continue
        rows, cols = np.nonzero(inside)
        width = float(cols.max() - cols.min() + 1)
        diagonal = (cols - cols.min()) + (rows - rows.min())  # constant along a 45° line
        centre = HIGHLIGHT_AT * width + 0.5 * float(rows.max() - rows.min())
        streak = np.abs(diagonal - centre) <= HIGHLIGHT_WIDTH * width / 2
        if not streak.any() or streak.all():
            continue
        glass = colors[window]
        added.append(np.array([min(100.0, glass[0] + HIGHLIGHT_LIFT), 0.0, 0.0]))
        labels[rows[streak], cols[streak]] = len(colors) + len(added) - 1
    if not added:
        return labels, colors
    return labels, np.concatenate([colors, np.array(added)])
