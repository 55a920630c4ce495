"""The background seen through a vehicle: holes and gaps in its mask coloured like the scene.

``seen_through``: phase I fills the holes of a motor vehicle's mask (windows seen through, gaps
between wheels and body become vehicle). A large hole whose colours are the scene's stays
background: the sky a schooner's sails and boom enclose above its deck, the harbour under a
yacht's flybridge. A hole is large from ``min_share`` of the vehicle's area (a cut-out
airliner's 0.2 % hole beside its tail fin is paint and is filled); it has the scene's colours
when at least HOLE_SHARE of its pixels have a colour (COLOUR_BINS³ bins) COLOUR_RATIO times as
frequent in the ring around the filled mask (RING of its diagonal wide) as in the vehicle.

``gaps``: saliency fills the gaps between a freight train's wagons and the open end of a
gondola wagon as if they were vehicle. Its pixels whose colour is GAP_RATIO times as frequent in
the ring as in the mask are opened with a disk of GAP_OPEN of the vehicle's height (stripes of
paint between a wagon's ribs that share the scene's grey go), and the pieces left at least
``side`` of the vehicle's height square in area are background.
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
GAP_RATIO = 3.0  # a gap's colours are this many times likelier around the mask than in it
GAP_OPEN = 0.03  # opening disk's radius: this share of the vehicle's height


def seen_through(rgb: RGBImage, mask: Mask, filled: Mask, min_share: float) -> Mask:
    """The holes of ``mask`` (``filled`` with its holes filled, both bool (H, W)) that are the
    background seen through the vehicle (bool (H, W)); none when there are no large holes."""
    holes = filled & ~mask
    found = np.zeros_like(mask)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes.astype(np.uint8))
    large = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_share * mask.sum()]
    if not large:
        return found
    scene = _scene_colours(rgb, mask, filled, COLOUR_RATIO)
    for label in large:
        hole = labels == label
        if float(scene[hole].mean()) >= HOLE_SHARE:
            found |= hole
    return found


def gaps(rgb: RGBImage, mask: Mask, side: float) -> Mask:
    """The pieces of ``mask`` (bool (H, W)) that are the scene seen between the vehicle's parts
    (a train's couplings): bool (H, W), empty when there are none."""
    ys = np.nonzero(mask.any(axis=1))[0]
    if ys.size == 0:
        return np.zeros_like(mask)
    height = int(ys[-1]) - int(ys[0]) + 1
    scene = mask & _scene_colours(rgb, mask, mask, GAP_RATIO)
    radius = max(1, round(GAP_OPEN * height))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    opened = cv2.morphologyEx(scene.astype(np.uint8), cv2.MORPH_OPEN, disk)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(opened)
    large = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= (side * height) ** 2]
    return np.isin(labels, large)


def _scene_colours(rgb: RGBImage, vehicle: Mask, outline: Mask, ratio: float) -> Mask:
    """bool (H, W): the pixels whose colour (COLOUR_BINS³ bins) is ``ratio`` times as frequent
    in the ring RING of ``outline``'s diagonal around it as among the ``vehicle`` pixels."""
    ys, xs = np.nonzero(outline)
    reach = max(2, int(RING * float(np.hypot(xs.max() - xs.min(), ys.max() - ys.min()))))
    ring = dilate(outline, 2 * reach + 1) & ~outline
    levels = (rgb.astype(np.int32) * COLOUR_BINS) // 256
    code = (levels[..., 0] * COLOUR_BINS + levels[..., 1]) * COLOUR_BINS + levels[..., 2]
    ours = np.bincount(code[vehicle], minlength=COLOUR_BINS**3) + 0.5
    theirs = np.bincount(code[ring], minlength=COLOUR_BINS**3) + 0.5
    return np.asarray((theirs / theirs.sum() > ratio * ours / ours.sum())[code])
