"""A long vehicle continued in line: the wagons of a freight train that saliency does not see.

Saliency looks at the whole train at once and may give up on the wagons at one end (on the
hay field it sees two of three wagons: a horse in front of the third takes the attention),
while the detected box goes on past them. A mask many times wider than tall (``long_aspect``)
is a long vehicle; where the detected (or hinted) box reaches beyond one of its ends, its band
(the mask's rows grown by BAND_SLACK of its height) is handed to GrabCut: the mask and its rows
beyond that end probably vehicle, the rest of the band probably background, everything above
and below the band and outside the bound (the box grown by the detector's margin) background
for sure. What GrabCut keeps beyond the end, in the mask's rows, joins the mask where it lies
within JOIN_GAP of the mask's height from it (the next wagon across the coupling gap). This
step adds nothing above, below or between the mask's ends, and nothing beyond an end the box
does not pass, so a train seen whole keeps its mask as it is (GrabCut, asked to go on past the
end of a train the box ends with, takes the building beside the track in: the box is the
evidence). ``between_and_below_wagons`` then opens the gaps between wagons and adds the
underside saliency left out (``couplings.py``, ``underside.py``).

Before the mask, the chosen subject's box is stretched in line the same way (``stretched``):
where saliency goes on along its long side past the detector's margin (one boxed wagon).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, Mask, RGBImage
from v2v.config import VehicleMaskConfig
from v2v.stages.sanitize.couplings import coupling_gaps
from v2v.stages.sanitize.detector import PEDAL
from v2v.stages.sanitize.grabcut import GRABCUT_SIDE, grabcut_labels, scaled_crop
from v2v.stages.sanitize.holes import gaps
from v2v.stages.sanitize.inpaint import dilate
from v2v.stages.sanitize.maskops import grow, keep_touching
from v2v.stages.sanitize.roof_gaps import roof_gaps
from v2v.stages.sanitize.underside import underside

if TYPE_CHECKING:  # subject.py ranks with frame.py, which builds the mask with this module
    from v2v.stages.sanitize.subject import Subject

BAND_SLACK = 0.25  # the band: the mask's rows grown by this share of its height each way
JOIN_GAP = 0.3  # what GrabCut adds joins within this share of the mask's height (couplings)
MIN_ROOM = 0.02  # the box must reach this share of the mask's width beyond its end
CONTINUE_THRESHOLD = 0.25  # saliency that continues a long vehicle beyond its box
BOX_SLACK = 0.25  # ``continued``'s band: the box's rows (columns) grown by this share


def continue_in_line(rgb: RGBImage, mask: Mask, boxed: Box, bound: Box, long_aspect: float) -> Mask:
    """``mask`` (bool (H, W)) with the vehicle continued beyond the ends where the detected
    (or hinted) box ``boxed`` reaches farther than it, when it is at least ``long_aspect``
    times as wide as tall; ``bound``: where the vehicle may lie (working pixels). ``mask``
    itself when it is not long or the box ends where the mask ends."""
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return mask
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    width, height = x1 - x0, y1 - y0
    room = MIN_ROOM * width
    left, right = boxed.x0 < x0 - room, boxed.x1 > x1 + room
    if width < long_aspect * height or not (left or right):
        return mask
    slack = max(1, round(BAND_SLACK * height))
    rows, image_width = mask.shape
    area = Box(
        max(0, bound.x0 - slack),
        max(0, y0 - 2 * slack),
        min(image_width, bound.x1 + slack),
        min(rows, y1 + 2 * slack),
    )
    _, _, small = scaled_crop(rgb, area, GRABCUT_SIDE)
    size = (small.shape[1], small.shape[0])

    def scaled(pixels: Mask) -> Mask:
        local = pixels[area.y0 : area.y1, area.x0 : area.x1].astype(np.uint8)
        return np.asarray(cv2.resize(local, size, interpolation=cv2.INTER_NEAREST) > 0)

    band = np.zeros_like(mask)
    band[max(0, y0 - slack) : y1 + slack, bound.x0 : bound.x1] = True
    ends = np.zeros_like(mask)
    if left:
        ends[y0:y1, bound.x0 : x0] = True
    if right:
        ends[y0:y1, x1 : bound.x1] = True
    seeds = np.full(small.shape[:2], cv2.GC_BGD, np.uint8)
    seeds[scaled(band)] = cv2.GC_PR_BGD
    seeds[scaled(mask | ends)] = cv2.GC_PR_FGD
    seeds[scaled(mask & ~dilate(~mask, 5))] = cv2.GC_FGD
    try:
        chosen = grabcut_labels(small, seeds)
    except cv2.error:
        return mask
    found = np.zeros_like(mask)
    found[area.y0 : area.y1, area.x0 : area.x1] = (
        cv2.resize(chosen, (area.x1 - area.x0, area.y1 - area.y0), interpolation=cv2.INTER_NEAREST)
        > 0
    )
    found &= ends
    near = dilate(mask, 2 * max(1, round(JOIN_GAP * height)) + 1)
    _, labels = cv2.connectedComponents(found.astype(np.uint8), connectivity=8)
    joined = np.unique(labels[near & found])
    return mask | np.isin(labels, joined[joined > 0])


def between_and_below_wagons(
    rgb: RGBImage, mask: Mask, config: VehicleMaskConfig, wheeled: bool = True
) -> Mask:
    """A long vehicle's ``mask`` without the scene seen between its wagons (``holes.gaps``: in
    the ring's colours; ``couplings.py``: the wider scene's, in notches) and, when ``wheeled``,
    without the scene seen down into a gap from above its roof line (``roof_gaps.py``; a hull
    is one piece: the deck between a ship's superstructures is no coupling) and with the
    underside saliency left out (``underside.py``: bogies, the strip under a sill; a hull's
    dark waterline reflection is water), each step as its key says (null: off)."""
    if config.gaps is not None:
        mask = mask & ~gaps(rgb, mask, config.gaps)
    if config.coupling_gaps is not None:  # the scene farther out, seen between wagons
        mask = mask & ~coupling_gaps(rgb, mask, config.coupling_gaps)
    if config.roof_gaps is not None and wheeled:  # the scene above runs on down into a gap
        mask = mask & ~roof_gaps(rgb, mask, config.roof_gaps)  # (a hull has no couplings)
    if config.underside is not None and wheeled:  # the bogies and the strip under the sill
        mask = mask | underside(rgb, mask, config.underside)
    return mask


def stretched(subject: Subject, salient: NDArray[np.float32], reach: float) -> Subject:
    """``subject`` with its box stretched along its long side (only) as far as the salient
    object touching it goes on in line (``continued``), when that goes beyond the box grown by
    ``reach`` (where the mask may lie): a detector often boxes one part of a long vehicle (one
    wagon of a freight train, seen faintly by saliency) and no other box joins it. Bicycles,
    hint boxes and photos without a detected vehicle are left as they are. ``salient``:
    float32 (H, W) salient-object probability of the picture."""
    chosen = subject.detection
    if subject.box is None or chosen is None or chosen.label in PEDAL:
        return subject
    box = subject.box
    height, width = salient.shape
    inline = continued(box, salient >= CONTINUE_THRESHOLD)
    ys, xs = np.nonzero(inline)
    if xs.size == 0:
        return subject
    limit = grow(box, reach, width, height)
    if (box.x1 - box.x0) >= (box.y1 - box.y0):
        if xs.min() >= limit.x0 and xs.max() < limit.x1:
            return subject
        whole = Box(min(box.x0, int(xs.min())), box.y0, max(box.x1, int(xs.max()) + 1), box.y1)
    else:
        if ys.min() >= limit.y0 and ys.max() < limit.y1:
            return subject
        whole = Box(box.x0, min(box.y0, int(ys.min())), box.x1, max(box.y1, int(ys.max()) + 1))
    why = "; its box is stretched along the salient object that continues it in line"
    return replace(subject, box=whole, reason=subject.reason + why)


def continued(box: Box, salient: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The ``salient`` pixels (bool (H, W)) connected to ``box`` within its band along its
    long side: its rows (columns) grown by BOX_SLACK of its height (width). What leaves the
    band (a horse standing in front of a train, a building above it) does not count."""
    height, width = salient.shape
    band = np.zeros((height, width), bool)
    if (box.x1 - box.x0) >= (box.y1 - box.y0):
        slack = round(BOX_SLACK * (box.y1 - box.y0))
        band[max(0, box.y0 - slack) : box.y1 + slack, :] = True
    else:
        slack = round(BOX_SLACK * (box.x1 - box.x0))
        band[:, max(0, box.x0 - slack) : box.x1 + slack] = True
    return keep_touching(salient & band, box)
