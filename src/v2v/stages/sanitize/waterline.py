"""A boat's waterline: the dents saliency leaves in the bottom of its hull, filled.

A hull meets the water along one nearly straight line. Where its bottom paint is dark on dark
water (a tug or a yacht at night) or in shadow (a schooner's green boot top), saliency's
probability fades a few pixels before that line, unevenly: the mask's bottom outline wanders
2 to 10 px above the waterline in some stretches and reaches it in others (the night tug
misses about 1000 px that way, in strips 2-5 px tall; ``edge_grow`` takes the stretches whose
grown outline lies on a stronger edge, not those where the hull's own paint edge is as strong).

``fill_waterline``: the profile of the mask's lowest row, column by column, is closed with a
flat segment ``window`` times the mask's width long: a dent narrower than that (a stretch of
columns whose bottom lies above the bottoms on both sides of it) is lifted to its higher rim,
and the pixels in between join where saliency sees them at least WATERLINE_SEEN (open water
under a hull gets next to nothing; the fade under it more). A bow or stern rising to its tip
has nothing lower beyond it (columns past the mask's ends reach no row): it stays. A column
with no mask pixel at all (a gap between two pieces) is never filled.
Devset (mask IoU against the truth at the working size, ``waterline`` 0.2): the tug at night
0.928 -> 0.942, the schooner on the boardwalk 0.945 -> 0.960 (its dark boot top in shadow),
the other boats within 0.001 (the tank on the hill, detected as a boat, +0.0006). At 0.1 the
tug gains 0.012 and the schooner 0.005; at 0.3 as at 0.2, the hill tank and the second yacht
-0.001. Boats only: a car's or a tank's bottom outline has true dents (the gaps under its body
between its wheels or tracks).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Mask

WATERLINE_SEEN = 0.1  # a dent's pixels join where saliency gives them at least this


def fill_waterline(mask: Mask, prob: NDArray[np.float32], window: float) -> Mask:
    """``mask`` (bool (H, W)) with the dents in its bottom outline filled: the profile of
    each column's lowest mask pixel is closed with a flat segment ``window`` times the mask's
    width long (a column is lifted to the highest bottom row that every such segment covering
    it reaches: a dent narrower than the segment is filled to its higher rim, a wider one
    stays), and the pixels between the two profiles where ``prob`` (float32 (H, W)) is at
    least WATERLINE_SEEN join. ``mask`` itself when there is no dent."""
    columns = np.nonzero(mask.any(axis=0))[0]
    if columns.size < 3:
        return mask
    x0, x1 = int(columns[0]), int(columns[-1]) + 1
    height = mask.shape[0]
    present = np.asarray(mask[:, x0:x1].any(axis=0), bool)
    bottom = np.where(present, height - 1 - np.argmax(mask[::-1, x0:x1], axis=0), -1)
    span = 2 * max(1, int(window * (x1 - x0)) // 2) + 1  # odd: centred segments
    reach = span - 1  # columns beyond the mask's ends reach nothing (-1: no row)
    padded = np.concatenate([np.full(reach, -1), bottom, np.full(reach, -1)])
    lowest = np.lib.stride_tricks.sliding_window_view(padded, span).max(axis=1)
    floor = np.lib.stride_tricks.sliding_window_view(lowest, span).min(axis=1)
    rows = np.arange(height)[:, None]
    # a column with no mask pixel (a gap between the hull and a dinghy, or between two pieces
    # of a split mask) has no bottom to lift: filled, it would take that whole column from row
    # 0 down and join what keep_vehicle is about to separate
    dent = (rows > bottom[None, :]) & (rows <= floor[None, :]) & present[None, :]
    if not dent.any():
        return mask
    out = mask.copy()
    out[:, x0:x1] |= dent & (prob[:, x0:x1] >= WATERLINE_SEEN)
    return out
