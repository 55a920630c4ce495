"""A bicycle's mask decided by colour where saliency and GrabCut disagree.

GrabCut inside a bicycle's box finds its thin parts but also the ground and walls seen through
the frame; saliency sees the background between the tubes as background but misses thin parts
(a lowrider's banana saddle, top tube, chain guard). Where the two disagree, colour decides:
the vehicle's colours are those of the pixels saliency calls vehicle, the background's those
around GrabCut's mask in the box. A colour belongs to one side when it is COLOUR_RATIO times as
frequent there as on the other side (histograms of COLOUR_BINS³ colours; a median filter keeps
single pixels from flipping). Measured on devset's bicycles and tricycles (silhouette IoU of
the SVG against the true mask, ``benchmarks/quality_floors.py``); about 30 ms per bicycle.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, Mask, RGBImage
from v2v.stages.sanitize.inpaint import dilate
from v2v.stages.sanitize.maskops import grow_with_slack, keep_touching

COLOUR_BINS = 8  # levels per RGB channel of the colour histograms (512 colours)
COLOUR_RATIO = 4.0  # a colour is one side's where it is this many times likelier there
COLOUR_RING = 2  # px (working size) around GrabCut's mask that are not background samples
COLOUR_SMOOTH = 5  # median filter (px) over the colour vote: no single-pixel speckle
FAINT = 0.2  # GrabCut's pixels where saliency gives less than this may go as background
GROW_BINS = 16  # finer colours for ``grown_in_vehicle_colours`` (gold handlebars vs mulch)
GROW_SEEN = 0.01  # ... whose pixels saliency must see at least this faintly


def in_vehicle_colours(rgb: RGBImage, found: Mask, kept: Mask, box: Box) -> Mask:
    """The pixels GrabCut ``found`` that ``grabcut.seen_at_all`` let go (not in ``kept``) but
    that have the colours of the vehicle saliency saw (``kept``'s pixels) rather than of the
    background around ``found``: a lowrider's saddle and top tube come back, the ground seen
    through the frame stays out (its colours are the bicycle's surroundings' too). Specks go.
    ``box``: GrabCut's box; all bool (H, W)."""
    window, code = _window_codes(rgb, box)
    near, vehicle = found[window], kept[window]
    extra = np.zeros_like(kept)
    likelier = _likelier(code, vehicle, ~dilate(near, 2 * COLOUR_RING + 1))
    if likelier is None:
        return extra
    extra[window] = near & ~vehicle & likelier
    return extra & keep_touching(extra | kept, box)


def in_background_colours(
    rgb: RGBImage,
    mask: Mask,
    prob: NDArray[np.float32],
    box: Box,
    threshold: float,
    faint: float | None = None,
) -> Mask:
    """The pixels of a bicycle's ``mask`` (GrabCut's, bool (H, W)) that saliency barely sees
    (``prob`` < FAINT) and whose colour is the background's around the mask rather than the
    vehicle's (the mask's pixels where ``prob`` ≥ ``threshold``): the ground and walls seen
    between the tubes, which saliency's faint halo kept in ``seen_at_all``. ``faint``
    (``vehicle_mask.faint_colours``): the pixels saliency sees under it go too where their
    colour is the background's among GROW_BINS³ colours (finer: a tricycle's pink and white
    against a lawn, a brick wall or a driveway apart), the scene GrabCut's smoothness kept in
    the corners between a frame's parts and the 1-2 px halo along its tubes. ``box``:
    GrabCut's box. bool (H, W), the pixels to drop."""
    window, code = _window_codes(rgb, box)
    inside, seen = mask[window], prob[window]
    drop = np.zeros_like(mask)
    scene, vehicle = ~dilate(inside, 2 * COLOUR_RING + 1), inside & (seen >= threshold)
    likelier = _likelier(code, scene, vehicle)
    if likelier is None:
        return drop
    drop[window] = inside & (seen < FAINT) & likelier
    if faint is not None:
        _, fine = _window_codes(rgb, box, GROW_BINS)
        finer = _likelier(fine, scene, vehicle, GROW_BINS)
        if finer is not None:
            drop[window] |= inside & (seen < faint) & finer
    return drop


def grown_in_vehicle_colours(
    rgb: RGBImage, mask: Mask, prob: NDArray[np.float32], box: Box, threshold: float
) -> Mask:
    """The pixels of GrabCut's ``box`` outside a bicycle's ``mask`` that join it: in the
    colours of its salient pixels (``prob`` ≥ ``threshold``) rather than of the background
    around it (GROW_BINS³ colours, COLOUR_RATIO), seen by saliency at least faintly
    (GROW_SEEN), in pieces that touch the mask and reach none of the box's sides or its
    bottom (a kerb line or a floor running through the box goes on beyond it). A lowrider's
    gold handlebars and fork, which GrabCut and saliency both gave up, come back where they
    are not the scene's colours. All bool (H, W)."""
    window, code = _window_codes(rgb, box, GROW_BINS)
    inside = mask[window]
    vehicle = inside & (prob[window] >= threshold)
    likelier = _likelier(code, vehicle, ~dilate(inside, 2 * COLOUR_RING + 1), GROW_BINS)
    extra = np.zeros_like(mask)
    if likelier is None:
        return extra
    extra[window] = likelier & ~inside & (prob[window] >= GROW_SEEN)
    only = np.zeros_like(mask)
    only[box.y0 : box.y1, box.x0 : box.x1] = True
    extra &= only
    _, labels = cv2.connectedComponents(extra.astype(np.uint8), connectivity=8)
    touching = set(np.unique(labels[dilate(mask, 3) & extra]).tolist())
    sides = labels[box.y0 : box.y1, [box.x0, box.x1 - 1]], labels[box.y1 - 1, box.x0 : box.x1]
    touching -= set(np.unique(sides[0]).tolist()) | set(np.unique(sides[1]).tolist())
    touching.discard(0)
    return np.isin(labels, list(touching))


def in_scene_colours(rgb: RGBImage, mask: Mask, salient: Mask, box: Box) -> Mask:
    """The pixels of the window around a bicycle's GrabCut ``box`` whose colour is
    COLOUR_RATIO times as frequent around its ``mask`` as among the mask's ``salient`` pixels
    (mulch, a court); all bool (H, W)."""
    window, code = _window_codes(rgb, box)
    inside = mask[window]
    scene = np.zeros_like(mask)
    likelier = _likelier(code, ~dilate(inside, 2 * COLOUR_RING + 1), inside & salient[window])
    if likelier is not None:
        scene[window] = likelier
    return scene


def _window_codes(
    rgb: RGBImage, box: Box, bins: int = COLOUR_BINS
) -> tuple[tuple[slice, slice], NDArray[np.int32]]:
    """The window around ``box`` (grown by a tenth) and each of its pixels' colour bin."""
    height, width = rgb.shape[:2]
    area = grow_with_slack(box, 0.1, 0.1, width, height)
    window = (slice(area.y0, area.y1), slice(area.x0, area.x1))
    levels = (rgb[window].astype(np.int32) * bins) // 256
    code = (levels[..., 0] * bins + levels[..., 1]) * bins + levels[..., 2]
    return window, code


def _likelier(
    code: NDArray[np.int32], side: Mask, other: Mask, bins: int = COLOUR_BINS
) -> Mask | None:
    """Where the pixel's colour is COLOUR_RATIO times as frequent among ``side``'s pixels as
    among ``other``'s (median-filtered); None when either side has no pixels."""
    if not (side.any() and other.any()):
        return None
    colours = bins**3
    ours = np.bincount(code[side], minlength=colours) + 0.5  # +0.5: no empty bin
    theirs = np.bincount(code[other], minlength=colours) + 0.5
    likelier = ours / ours.sum() > COLOUR_RATIO * theirs / theirs.sum()
    return np.asarray(cv2.medianBlur(likelier[code].astype(np.uint8) * 255, COLOUR_SMOOTH) > 0)
