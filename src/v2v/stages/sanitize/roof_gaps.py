"""The scene seen between a long vehicle's wagons from the roof line down, where colour alone
cannot tell it from the wagons (``holes.gaps`` and ``couplings.py`` miss it).

Saliency bridges the open gap between two wagons up to the roof line. Over a wagon the mask's
top edge is an edge in the photo too (roof against sky or scene); over a coupling gap it is
not: the scene above the roof runs on, unbroken, into the gap. Per column of the mask, the
colour contrast across its top edge (CIELAB, the mean of EDGE of the height in rows above
against as many below, a row or more left out on each side) is compared with the median over
the whole mask. Runs of columns under WEAK_EDGE of it that only fittings narrower than
FLANK_REACH of the height part are a group; no run of a group wider than WIDEST of the height
is a gap (a long roof in the scene's colour broken by fittings). A run at least NARROWEST and
at most WIDEST of the vehicle's height wide, at least END_ROOM of the height from both ends
of the mask (a wagon's length each side, not beyond the last one), with roofs on both sides
(the median contrast over FLANK_REACH of the height of columns each side at least FLANK of
the mask's) whose tops lie within LEVEL of the height of each other (two wagons' roofs) is a
candidate. A wagon's
roof may share the scene's colour for a few rows (a grey gondola's rail under a grey car
park): a candidate is a gap only where the band's colour stays within SCENE_DELTA (CIELAB,
8-bit scale) of the scene just above it for at least ``depth`` of the height from the top
down, and where, below those rows, the band is not the wagon side going on from both sides
(the same rows of the columns beside it within SIDE_DELTA of the band's colour: a fitting on
one wagon's roof, such as a tram's roof unit, has the body under it). Such a band goes from
the mask's top to COUPLING of the height above the bottom of the mask's piece that holds it
(the coupling and the wagons' underframes there stay; a detached piece below does not count).
"""

from __future__ import annotations

import cv2
import numpy as np

from v2v.artefacts import Mask, RGBImage

EDGE = 0.04  # rows above and below the top edge compared per column, share of the height (>= 2)
WEAK_EDGE = 0.4  # a gap's top-edge contrast is under this share of the mask's median
NARROWEST = 0.04  # a gap's band is at least this share of the vehicle's height wide
WIDEST = 0.3  # ... and at most this share
END_ROOM = 2.0  # ... and this share of the height from either end of the mask (a wagon each side)
FLANK = 0.5  # the roofs beside a gap: their median contrast is at least this share of the mask's
FLANK_REACH = 0.1  # ... over this share of the height of columns on each side
LEVEL = 0.25  # ... and their tops within this share of the height of each other
SCENE_DELTA = 10.0  # CIELAB distance (8-bit scale) within which the band is the scene above
SIDE_DELTA = 8.0  # ... within which the band below the scene's rows is the wagon beside it
COUPLING = 0.2  # the band's bottom this share of the height deep stays (coupling, underframe)


def roof_gaps(rgb: RGBImage, mask: Mask, depth: float) -> Mask:
    """The pixels of ``mask`` (bool (H, W)) that are the scene seen between a long vehicle's
    wagons below its roof line: bool (H, W), empty when there are none."""
    found = np.zeros_like(mask)
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return found
    edge = _edge_rows(int(rows[-1] - rows[0] + 1))
    y0, x0 = max(0, int(rows[0]) - 2 * edge - 2), max(0, int(columns[0]) - 2)
    y1, x1 = int(rows[-1]) + 2 * edge + 2, int(columns[-1]) + 3  # and the rows around it
    found[y0:y1, x0:x1] = _bands(rgb[y0:y1, x0:x1], mask[y0:y1, x0:x1], depth)
    return found


def _edge_rows(height: int) -> int:
    """The rows compared above and below the top edge for a vehicle ``height`` rows tall."""
    return max(2, round(EDGE * height))


def _bands(rgb: RGBImage, mask: Mask, depth: float) -> Mask:
    """``roof_gaps`` on a crop holding the mask and the rows just above it."""
    found = np.zeros_like(mask)
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    height, first, last = int(rows[-1] - rows[0] + 1), int(columns[0]), int(columns[-1])
    edge, skip = _edge_rows(height), max(1, round(EDGE * height / 3))
    blur = 2 * skip + 1
    lab = cv2.cvtColor(cv2.GaussianBlur(rgb, (blur, blur), 0), cv2.COLOR_RGB2LAB)
    lab = lab.astype(np.float32)
    contrast, tops = _top_contrast(lab, mask, edge, skip)
    known = ~np.isnan(contrast)
    if not known.any():
        return found
    median = float(np.nanmedian(contrast))
    reach = max(2, round(FLANK_REACH * height))
    _, pieces = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    for x0, x1 in _unbroken(_runs(known & (contrast < WEAK_EDGE * median)), reach, height):
        if x1 - x0 < max(2.0, NARROWEST * height):
            continue
        if x0 - first < END_ROOM * height or last + 1 - x1 < END_ROOM * height:
            continue
        left, right = slice(x0 - reach, x0), slice(x1, x1 + reach)
        if min(_median(contrast[left]), _median(contrast[right])) < FLANK * median:
            continue  # not between two roofs: a stretch of roof in the scene's colour
        if abs(_top(tops[left]) - _top(tops[right])) > LEVEL * height:
            continue  # not two wagons' roofs at one level
        top = int(np.median(tops[x0:x1]))
        scene = _scene_depth(lab, top, x0, x1, height, skip)
        if scene < depth * height:
            continue
        held = np.unique(pieces[top : top + scene, x0:x1][mask[top : top + scene, x0:x1]])
        band = np.nonzero(np.isin(pieces[:, x0:x1], held[held > 0]).any(axis=1))[0]
        if band.size == 0:
            continue  # no mask in the scene's rows (a run over a hole's columns)
        bottom = round(int(band[-1]) + 1 - COUPLING * height)
        if _side_goes_on(lab, mask, top + scene, bottom, (x0, x1), reach):
            continue  # a fitting on a roof: the wagon's side goes on under it
        found[int(band[0]) : bottom, x0:x1] = True
    return found & mask


def _top_contrast(
    lab: np.ndarray, mask: Mask, edge: int, skip: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the CIELAB distance between the mean of ``edge`` rows above the mask's top
    edge and of ``edge`` rows below it, ``skip`` rows left out each side (NaN where the mask is
    empty or too near the crop's ends), and the top edge's row (-1 where the mask is empty)."""
    width = mask.shape[1]
    contrast, tops = np.full(width, np.nan, np.float32), np.full(width, -1, np.int64)
    held = mask.any(axis=0)
    tops[held] = np.argmax(mask[:, held], axis=0)
    room = (tops >= edge + skip) & (tops + skip + edge <= lab.shape[0])
    columns = np.nonzero(held & room)[0]
    top = tops[columns]
    above = sum(lab[top - skip - k, columns] for k in range(1, edge + 1)) / edge
    below = sum(lab[top + skip - 1 + k, columns] for k in range(1, edge + 1)) / edge
    contrast[columns] = np.linalg.norm(above - below, axis=1)
    return contrast, tops


def _unbroken(runs: list[tuple[int, int]], reach: int, height: int) -> list[tuple[int, int]]:
    """The ``runs`` not in a group (runs parted by fewer than ``reach`` columns) wider than
    WIDEST of ``height``: a long roof in the scene's colour broken by fittings."""
    groups: list[list[tuple[int, int]]] = []
    for run in runs:
        if groups and run[0] - groups[-1][-1][1] < reach:
            groups[-1].append(run)
        else:
            groups.append([run])
    return [
        run for group in groups if group[-1][1] - group[0][0] <= WIDEST * height for run in group
    ]


def _median(values: np.ndarray) -> float:
    """The median of ``values`` without NaN; 0 when none is known."""
    known = values[~np.isnan(values)]
    return float(np.median(known)) if known.size else 0.0


def _top(tops: np.ndarray) -> float:
    """The median top row of the columns ``tops`` that hold mask (-inf when none does)."""
    held = tops[tops >= 0]
    return float(np.median(held)) if held.size else -np.inf


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The [start, end) runs of True in the 1-D bool array ``flags``."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _scene_depth(lab: np.ndarray, top: int, x0: int, x1: int, height: int, skip: int) -> int:
    """How many rows from ``top`` down the band ``x0:x1``'s mean colour stays within
    SCENE_DELTA of the scene's just above the top (the ``skip`` + 1 rows past the ``skip``
    rows next to it: not farther, the sky may darken towards the horizon) up to half the
    height."""
    above = lab[max(0, top - 2 * skip - 1) : max(0, top - skip), x0:x1].reshape(-1, 3)
    if above.size == 0:
        return 0
    scene, rows = above.mean(axis=0), 0
    for y in range(top, min(lab.shape[0], top + height // 2)):
        if float(np.linalg.norm(lab[y, x0:x1].mean(axis=0) - scene)) >= SCENE_DELTA:
            break
        rows += 1
    return rows


def _side_goes_on(
    lab: np.ndarray, mask: Mask, y0: int, y1: int, band: tuple[int, int], reach: int
) -> bool:
    """Whether, in rows ``y0:y1``, the band's colour is the mask's beside it on both sides (in
    the rows where the mask is beside it, at least half of them, the median distance to the
    mask's mean colour in the ``reach`` columns each side under SIDE_DELTA): a wagon's side."""
    if y1 - y0 < 2:
        return False  # the scene's colour goes down to the coupling
    x0, x1 = band
    middle = lab[y0:y1, x0:x1].mean(axis=1)
    for side in (slice(x0 - reach, x0), slice(x1, x1 + reach)):
        inside = mask[y0:y1, side]
        held = inside.any(axis=1)
        if held.mean() < 0.5:
            return False  # no wagon beside it most of the way down
        counts = inside[held].sum(axis=1)[:, None]
        beside = (lab[y0:y1, side][held] * inside[held][..., None]).sum(axis=1) / counts
        if np.median(np.linalg.norm(middle[held] - beside, axis=1)) >= SIDE_DELTA:
            return False
    return True
