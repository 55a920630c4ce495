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
first where the region itself is narrow, else whole: one shape stays one path.
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
    if width <= 0:
        return labels, 0
    vehicle = (labels >= 0).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    core = cv2.erode(vehicle, kernel)  # the default border counts as vehicle: no band along it
    thin = _thin_parts(vehicle, core, kernel, width)
    joins = cv2.dilate(thin.astype(np.uint8), kernel) > 0
    band = (vehicle > 0) & (core == 0) & ~joins
    split = _split_regions(labels, band, min_area)
    if split.any():
        band &= ~(split & _narrow(labels, split, kernel))
        band &= ~_split_regions(labels, band, min_area)
    if not band.any():
        return labels, 0
    out = labels.copy()
    out[band] = -1
    return out, int(band.sum())


def _thin_parts(
    vehicle: NDArray[np.uint8], core: NDArray[np.uint8], kernel: NDArray[np.uint8], width: int
) -> Mask:
    """Bool (H, W): the vehicle's parts an opening with ``kernel`` removes, in 4-connected
    pieces of at least (2 × ``width`` + 1)² px: a mast or a spoke, not the odd pixel of a
    staircase edge or a ragged outline, which the opening also removes."""
    lost = ((vehicle > 0) & (cv2.dilate(core, kernel) == 0)).astype(np.uint8)
    _, pieces, stats, _ = cv2.connectedComponentsWithStats(lost, connectivity=4)
    keep = stats[:, cv2.CC_STAT_AREA] >= (2 * width + 1) ** 2
    keep[0] = False
    out: Mask = keep[pieces]
    return out


def _split_regions(labels: Labels, band: Mask, min_area: float) -> Mask:
    """Bool (H, W): the colour regions (4-connected, one label) that removing ``band`` would cut
    into two or more pieces of ``min_area`` px or more. Smaller pieces go as specks do."""
    regions = measure.label(labels, background=-1, connectivity=1)
    pieces = measure.label(np.where(band, -1, labels), background=-1, connectivity=1)
    sizes = np.bincount(pieces.ravel())
    inside = (pieces > 0) & (sizes >= min_area)[pieces]
    pairs = np.unique(np.stack([regions[inside], pieces[inside]]), axis=1)
    split = np.bincount(pairs[0], minlength=int(regions.max()) + 1) > 1
    split[0] = False
    out: Mask = split[regions]
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
