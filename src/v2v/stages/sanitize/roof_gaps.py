"""The scene seen between a long vehicle's wagons from the roof line down, where colour alone
cannot tell it from the wagons (``holes.gaps`` and ``couplings.py`` miss it).

Saliency bridges the open gap between two wagons up to the roof line. Over a wagon the mask's
top edge is an edge in the photo too (roof against sky or scene); over a coupling gap it is
not: the scene above the roof runs on, unbroken, into the gap. Per column of the mask, the
colour contrast across its top edge (CIELAB, the mean of EDGE_ROWS rows above against EDGE_ROWS
rows below, one row left out on each side) is compared with the median over the whole mask: a
run of columns under WEAK_EDGE of it, at least NARROWEST and at most WIDEST of the vehicle's
height wide and at least END_ROOM of the height from both ends of the mask (between wagons,
not beyond the last one), with roofs on both sides (the median contrast over FLANK_REACH of
the height of columns on each side at least FLANK of the mask's: a long stretch of roof in
the scene's colour, broken into runs by a few fittings, is no gap), is a candidate. A wagon's
roof may share the scene's colour for a few columns (a grey gondola's rail under a grey car
park); its rail is thin and the wagon's side below it is not the scene. So a candidate is a
gap only where the band's colour stays within SCENE_DELTA (CIELAB, 8-bit scale) of the scene
just above it for at least ``depth`` of the vehicle's height from the top down. Such a band
goes from the mask's top to COUPLING of the height above the band's own bottom (the coupling
and the wagons' underframes there stay).
"""

from __future__ import annotations

import cv2
import numpy as np

from v2v.artefacts import Mask, RGBImage

EDGE_ROWS = 3  # rows above and below the mask's top edge compared per column
WEAK_EDGE = 0.4  # a gap's top-edge contrast is under this share of the mask's median
NARROWEST = 0.04  # a gap's band is at least this share of the vehicle's height wide
WIDEST = 0.3  # ... and at most this share
END_ROOM = 0.5  # ... and this share of the height from either end of the mask
FLANK = 0.5  # the roofs beside a gap: their median contrast is at least this share of the mask's
FLANK_REACH = 0.1  # ... over this share of the height of columns on each side
SCENE_DELTA = 10.0  # CIELAB distance (8-bit scale) within which the band is the scene above
COUPLING = 0.2  # the band's bottom this share of the height deep stays (coupling, underframe)


def roof_gaps(rgb: RGBImage, mask: Mask, depth: float) -> Mask:
    """The pixels of ``mask`` (bool (H, W)) that are the scene seen between a long vehicle's
    wagons below its roof line: bool (H, W), empty when there are none."""
    found = np.zeros_like(mask)
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return found
    y0, x0 = max(0, int(rows[0]) - EDGE_ROWS - 3), max(0, int(columns[0]) - 2)
    y1, x1 = int(rows[-1]) + EDGE_ROWS + 3, int(columns[-1]) + 3  # and the rows around it
    found[y0:y1, x0:x1] = _bands(rgb[y0:y1, x0:x1], mask[y0:y1, x0:x1], depth)
    return found


def _bands(rgb: RGBImage, mask: Mask, depth: float) -> Mask:
    """``roof_gaps`` on a crop holding the mask and the rows just above it."""
    found = np.zeros_like(mask)
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    height, first, last = int(rows[-1] - rows[0] + 1), int(columns[0]), int(columns[-1])
    lab = cv2.cvtColor(cv2.GaussianBlur(rgb, (3, 3), 0), cv2.COLOR_RGB2LAB).astype(np.float32)
    contrast, tops = _top_contrast(lab, mask)
    known = ~np.isnan(contrast)
    if not known.any():
        return found
    median = float(np.nanmedian(contrast))
    reach = max(2, round(FLANK_REACH * height))
    for x0, x1 in _runs(known & (contrast < WEAK_EDGE * median)):
        wide = x1 - x0
        if wide < max(2.0, NARROWEST * height) or wide > WIDEST * height:
            continue
        if x0 - first < END_ROOM * height or last - x1 < END_ROOM * height:
            continue
        if min(_median(contrast[x0 - reach : x0]), _median(contrast[x1 : x1 + reach])) < (
            FLANK * median
        ):
            continue  # not between two roofs: a stretch of roof in the scene's colour
        top = int(np.median(tops[x0:x1]))
        if _scene_depth(lab, top, x0, x1, height) < depth * height:
            continue
        band = np.nonzero(mask[:, x0:x1].any(axis=1))[0]
        bottom = round(int(band[-1]) + 1 - COUPLING * height)
        found[int(band[0]) : bottom, x0:x1] = True
    return found & mask


def _top_contrast(lab: np.ndarray, mask: Mask) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the CIELAB distance between the mean of EDGE_ROWS rows above the mask's top
    edge and of EDGE_ROWS rows below it (NaN where the mask is empty or too near the image's
    top), and the top edge's row (-1 where the mask is empty)."""
    width = mask.shape[1]
    contrast, tops = np.full(width, np.nan, np.float32), np.full(width, -1, np.int64)
    held = mask.any(axis=0)
    tops[held] = np.argmax(mask[:, held], axis=0)
    columns = np.nonzero(held & (tops > EDGE_ROWS) & (tops + 1 + EDGE_ROWS <= lab.shape[0]))[0]
    top = tops[columns]
    above = sum(lab[top - 1 - k, columns] for k in range(1, EDGE_ROWS + 1)) / EDGE_ROWS
    below = sum(lab[top + k, columns] for k in range(1, EDGE_ROWS + 1)) / EDGE_ROWS
    contrast[columns] = np.linalg.norm(above - below, axis=1)
    return contrast, tops


def _median(values: np.ndarray) -> float:
    """The median of ``values`` without NaN; 0 when none is known."""
    known = values[~np.isnan(values)]
    return float(np.median(known)) if known.size else 0.0


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The [start, end) runs of True in the 1-D bool array ``flags``."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _scene_depth(lab: np.ndarray, top: int, x0: int, x1: int, height: int) -> int:
    """How many rows from ``top`` down the band ``x0:x1``'s mean colour stays within
    SCENE_DELTA of the scene's just above the top (up to half the height)."""
    above = lab[max(0, top - EDGE_ROWS - 1) : max(0, top - 1), x0:x1].reshape(-1, 3)
    if above.size == 0:
        return 0
    scene, rows = above.mean(axis=0), 0
    for y in range(top, min(lab.shape[0], top + height // 2)):
        if float(np.linalg.norm(lab[y, x0:x1].mean(axis=0) - scene)) >= SCENE_DELTA:
            break
        rows += 1
    return rows
