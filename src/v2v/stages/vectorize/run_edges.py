"""The pixel-level tests of ``runs``: which mask pixels are a side's edge, where runs of them
end and how (a step outwards, a drop, a riser), and which run holds a pixel."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Mask = NDArray[np.bool_]
#: A run ending in a one-pixel step counts if the next tread is shorter by this factor.
STAIRCASE_RATIO = 3.0


def find(
    keys: NDArray[np.intp],
    stops: NDArray[np.intp],
    stride: int,
    rows: NDArray[np.intp],
    columns: NDArray[np.intp],
) -> NDArray[np.intp]:
    """Index of the run (``keys`` sorted, ``stops``) holding each pixel, or -1."""
    if keys.size == 0:
        return np.full(len(rows), -1, np.intp)
    index = np.searchsorted(keys, rows * stride + columns, side="right") - 1
    safe = np.maximum(index, 0)
    start = keys[safe] - rows * stride  # negative: the run lies in an earlier row
    inside = (index >= 0) & (start >= 0) & (start <= columns) & (columns < stops[safe])
    return np.where(inside, index, -1)


def edges(mask: Mask, side: int) -> Mask:
    """Bool (H, W): the mask's pixels whose two neighbours outwards on ``side`` (0 above,
    1 below, 2 left, 3 right) are outside; none on the window's first row or column there."""
    inside = mask if side in (0, 2) else mask[::-1, ::-1]
    if side > 1:
        inside = inside.T
    outside = np.ones_like(inside)
    outside[1:] = ~inside[:-1]
    outside[2:] &= ~inside[:-2]
    edge = inside & outside
    edge[0] = False
    if side > 1:
        edge = edge.T
    return edge if side in (0, 2) else edge[::-1, ::-1]


def end_ok(
    mask: Mask,
    rows: NDArray[np.intp],
    columns: NDArray[np.intp],
    lengths: NDArray[np.intp],
    next_tread: NDArray[np.intp],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Whether top-edge runs in ``rows`` of ``lengths`` px end, at ``columns`` (the column just
    past each), other than in a staircase's step: the edge steps outwards, drops by two pixels
    or more, meets the window's side, or drops one pixel to a tread (``next_tread`` px long)
    shorter than the run by ``STAIRCASE_RATIO``; and whether the edge steps outwards there."""
    height, width = mask.shape
    ok = np.ones(len(rows), bool)
    out = np.zeros(len(rows), bool)
    within = (columns >= 0) & (columns < width)
    r, c = rows[within], columns[within]
    outwards = mask[r - 1, c]
    drop = ~mask[r, c]
    one_pixel = drop & (r + 1 < height) & mask[np.minimum(r + 1, height - 1), c]
    short = lengths[within] >= STAIRCASE_RATIO * np.maximum(next_tread[within], 1)
    ok[within] = outwards | (drop & ~one_pixel) | (one_pixel & short)
    out[within] = outwards
    return ok, out


def riser(mask: Mask, rows: NDArray[np.intp], columns: NDArray[np.intp]) -> NDArray[np.bool_]:
    """Whether the edge at (``rows``, ``columns``) steps outwards by one pixel only (the
    pixel two rows out is outside): a staircase's riser, not a wall."""
    width = mask.shape[1]
    within = (columns >= 0) & (columns < width) & (rows >= 2)
    out = np.zeros(len(rows), bool)
    r, c = rows[within], columns[within]
    out[within] = mask[r - 1, c] & ~mask[r - 2, c]
    out[~within & (columns >= 0) & (columns < width) & (rows == 1)] = True
    return out
