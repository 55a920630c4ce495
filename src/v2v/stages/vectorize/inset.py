"""The outline inside the silhouette: the label map's outermost band made background.

Phase IV outlines every path with a stroke centred on its edge, so a drawing traced from the
vehicle's mask is half a stroke wider than the vehicle all round: on a 60 px tall train drawn
with 2 px outlines, 2 px of 60, and its silhouette IoU against the true mask 0.90 where phase
I's mask scored 0.94. With the band of half a stroke's width made background before tracing,
the outline covers that band and fill plus outline is the vehicle's silhouette
(``phase4.stroke.inset``).

What keeps its band: parts thinner than the band's two sides (masts, antennae, spokes,
couplings: what an opening of the vehicle removes) and the band where they join the rest, so
they keep their width and stay attached; the image's border (a vehicle cut by the frame); and
colour regions the band would cut into pieces (a narrow strip of one colour along the edge),
first where the region itself is narrow, else whole: one shape stays one path; and colour
regions (a part of their own colour, a piece apart from the body) that the band would shrink
from ``min_area`` or more to less, which the small-region merge would then erase.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage import measure

Labels = NDArray[np.int16]
Mask = NDArray[np.bool_]


def inset_silhouette(labels: Labels, width: int, min_area: float) -> tuple[Labels, int]:
    """``labels`` (int16 (H, W), -1 = background) with the vehicle's outermost ``width`` px band
    made background where the vehicle is thicker than the band; returns (labels, pixels made
    background). ``min_area``: the smallest piece that counts as a shape (px²)."""
    rows = np.flatnonzero((labels >= 0).any(axis=1))
    if width <= 0 or rows.size == 0:
        return labels, 0
    cols = np.flatnonzero((labels >= 0).any(axis=0))
    margin = width + 1  # the window's border is background, or the image's own border
    y0, x0 = max(0, int(rows[0]) - margin), max(0, int(cols[0]) - margin)
    y1, x1 = int(rows[-1]) + margin + 1, int(cols[-1]) + margin + 1
    band = _band(labels[y0:y1, x0:x1], width, min_area)
    if not band.any():
        return labels, 0
    out = labels.copy()
    out[y0:y1, x0:x1][band] = -1
    return out, int(band.sum())


def _band(labels: Labels, width: int, min_area: float) -> Mask:
    """Bool (H, W): the pixels :func:`inset_silhouette` makes background."""
    vehicle = (labels >= 0).astype(np.uint8)
    size = (2 * width + 1, 2 * width + 1)
    kernel = np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, size), np.uint8)
    # the default border counts as vehicle: no band along the image's edge
    core = np.asarray(cv2.erode(vehicle, kernel), np.uint8)
    thin = _thin_parts(vehicle, core, kernel, width)
    joins = cv2.dilate(thin.astype(np.uint8), kernel) > 0
    band = (vehicle > 0) & (core == 0) & ~joins
    kept = ((vehicle > 0) & ~band).astype(np.uint8)
    pieces = np.asarray(cv2.connectedComponents(kept, connectivity=4)[1], np.int32)
    band &= ~_touches_two(pieces, band)
    split = _split_regions(labels, band, min_area)
    if split.any():
        band &= ~(split & _narrow(labels, split, kernel))
        band &= ~_bridges(labels, band, _split_regions(labels, band, min_area))
        band &= ~_split_regions(labels, band, min_area)
    band &= ~_vanishing(labels, band, min_area)
    out: Mask = band
    return out


def _thin_parts(
    vehicle: NDArray[np.uint8], core: NDArray[np.uint8], kernel: NDArray[np.uint8], width: int
) -> Mask:
    """Bool (H, W): the vehicle's parts an opening with ``kernel`` removes, in 4-connected
    pieces of at least (2 × ``width`` + 1)² px or joining two parts of the core (a mast, a
    spoke, a coupling), not the odd pixel of a staircase edge or a ragged outline, which the
    opening also removes."""
    lost = ((vehicle > 0) & (cv2.dilate(core, kernel) == 0)).astype(np.uint8)
    count, pieces, stats, _ = cv2.connectedComponentsWithStats(lost, connectivity=4)
    keep = stats[:, cv2.CC_STAT_AREA] >= (2 * width + 1) ** 2
    parts = np.asarray(cv2.connectedComponents(core, connectivity=4)[1], np.int32)
    reach = (2 * width + 3, 2 * width + 3)  # the core lies width + 1 px from such a piece
    disc = np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, reach), np.uint8)
    highest, lowest = _neighbours(parts, disc)
    inside = pieces > 0
    top = np.zeros(count, np.float32)
    bottom = np.full(count, np.inf, np.float32)
    np.maximum.at(top, pieces[inside], highest[inside])
    np.minimum.at(bottom, pieces[inside], lowest[inside])
    keep |= (top > bottom) & np.isfinite(bottom)
    keep[0] = False
    out: Mask = keep[pieces]
    return out


def _neighbours(
    pieces: NDArray[np.int32], kernel: NDArray[np.uint8]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """(highest, lowest) piece number (> 0) within ``kernel`` of each pixel; lowest is inf,
    highest 0, where there is none."""
    values = pieces.astype(np.float32)
    highest = np.asarray(cv2.dilate(values, kernel), np.float32)
    negated = np.where(values > 0, -values, -np.inf).astype(np.float32)
    lowest = -np.asarray(cv2.dilate(negated, kernel), np.float32)
    return highest, lowest


def _touches_two(pieces: NDArray[np.int32], where: Mask) -> Mask:
    """Bool (H, W): pixels of ``where`` with two different pieces among their 8 neighbours:
    where a 3 px wide part steps diagonally, the band cuts its 1 px spine, and one pixel of
    the band joins it again."""
    highest, lowest = _neighbours(pieces, np.ones((3, 3), np.uint8))
    out: Mask = where & np.isfinite(lowest) & (highest > lowest)
    return out


def _split_regions(labels: Labels, band: Mask, min_area: float) -> Mask:
    """Bool (H, W): the colour regions (4-connected, one label) that removing ``band`` would cut
    into two or more pieces of ``min_area`` px or more. Smaller pieces go as specks do."""
    regions = measure.label(labels, background=-1, connectivity=1)
    pieces = measure.label(np.where(band, -1, labels), background=-1, connectivity=1)
    region_of = np.zeros(int(pieces.max()) + 1, dtype=np.int64)
    region_of[pieces.ravel()] = regions.ravel()  # a piece lies inside one region
    big = np.flatnonzero(np.bincount(pieces.ravel()) >= min_area)
    big = big[big > 0]
    split = np.bincount(region_of[big], minlength=int(regions.max()) + 1) > 1
    split[0] = False
    out: Mask = split[regions]
    return out


def _vanishing(labels: Labels, band: Mask, min_area: float) -> Mask:
    """Bool (H, W): the colour regions (4-connected, one label) of ``min_area`` px or more
    that removing ``band`` would leave with no piece that large: a 3 px wide antenna, a 5 × 5
    px part apart from the body, which the small-region merge would then erase."""
    regions = measure.label(labels, background=-1, connectivity=1)
    pieces = measure.label(np.where(band, -1, labels), background=-1, connectivity=1)
    region_of = np.zeros(int(pieces.max()) + 1, dtype=np.int64)
    region_of[pieces.ravel()] = regions.ravel()
    largest = np.zeros(int(regions.max()) + 1, dtype=np.int64)
    np.maximum.at(largest, region_of[1:], np.bincount(pieces.ravel())[1:])
    lost = (np.bincount(regions.ravel()) >= min_area) & (largest < min_area)
    lost[0] = False
    out: Mask = lost[regions]
    return out


def _narrow(labels: Labels, where: Mask, kernel: NDArray[np.uint8]) -> Mask:
    """Bool (H, W): pixels of ``where`` that an opening of their own colour removes (where that
    colour's region is thinner than ``kernel``: the neck a band would cut)."""
    out = np.zeros(labels.shape, dtype=bool)
    for index in np.unique(labels[where]):
        own = (labels == index).astype(np.uint8)
        opened = cv2.dilate(cv2.erode(own, kernel), kernel)
        out |= (own > 0) & (opened == 0)
    return out & where


def _bridges(labels: Labels, band: Mask, split: Mask) -> Mask:
    """Bool (H, W): band pixels of the ``split`` regions that touch two of their region's
    pieces (as :func:`_touches_two`, one region at a time: pieces of two colours may touch)."""
    regions = measure.label(labels, background=-1, connectivity=1)
    pieces = measure.label(np.where(band, -1, labels), background=-1, connectivity=1)
    out = np.zeros(labels.shape, dtype=bool)
    for region in np.unique(regions[split]):
        rows, cols = np.nonzero(regions == region)
        y0, x0 = max(0, rows.min() - 1), max(0, cols.min() - 1)
        y1, x1 = rows.max() + 2, cols.max() + 2
        own = regions[y0:y1, x0:x1] == region
        local = np.where(own, pieces[y0:y1, x0:x1], 0).astype(np.int32)
        out[y0:y1, x0:x1] |= _touches_two(local, own & band[y0:y1, x0:x1])
    return out
