"""Holes in a vehicle's mask that are the background seen through it.

Phase I fills the holes of a motor vehicle's mask (windows seen through, gaps between wheels
and body become vehicle). A large hole whose colours are the scene's stays background: the sky
a schooner's sails and boom enclose above its deck, the harbour under a yacht's flybridge. A
hole is large from ``min_share`` of the vehicle's area (a cut-out airliner's 0.2 % hole beside
its tail fin is paint and is filled); it has the scene's colours when at least HOLE_SHARE of
its pixels have a colour (COLOUR_BINS³ bins) COLOUR_RATIO times as frequent in the ring around
the filled mask (RING of its diagonal wide) as in the vehicle.
"""

from __future__ import annotations

import cv2
import numpy as np

from v2v.artefacts import Mask, RGBImage
from v2v.stages.sanitize.inpaint import dilate

COLOUR_BINS = 8  # levels per RGB channel of the colour histograms (512 colours)
COLOUR_RATIO = 2.0  # a colour is the scene's where it is this many times likelier there
HOLE_SHARE = 0.5  # a hole is the scene's where this share of its pixels has its colours
RING = 0.03  # the scene's samples: the ring this share of the mask's diagonal around it


def seen_through(rgb: RGBImage, mask: Mask, filled: Mask, min_share: float) -> Mask:
    """The holes of ``mask`` (``filled`` with its holes filled, both bool (H, W)) that are the
    background seen through the vehicle (bool (H, W)); none when there are no large holes."""
    holes = filled & ~mask
    found = np.zeros_like(mask)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8))
    large = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_share * mask.sum()]
    if not large:
        return found
    ys, xs = np.nonzero(filled)
    reach = max(2, int(RING * float(np.hypot(xs.max() - xs.min(), ys.max() - ys.min()))))
    ring = dilate(filled, 2 * reach + 1) & ~filled
    levels = (rgb.astype(np.int32) * COLOUR_BINS) // 256
    code = (levels[..., 0] * COLOUR_BINS + levels[..., 1]) * COLOUR_BINS + levels[..., 2]
    ours = np.bincount(code[mask], minlength=COLOUR_BINS**3) + 0.5
    theirs = np.bincount(code[ring], minlength=COLOUR_BINS**3) + 0.5
    scene = (theirs / theirs.sum() > COLOUR_RATIO * ours / ours.sum())[code]
    for label in large:
        hole = labels == label
        if float(scene[hole].mean()) >= HOLE_SHARE:
            found |= hole
    return found
