"""A boat's hull where saliency fades: the mask grown out to the image's edge, cell by cell.

A dark hull on dark water (a tug or a yacht at night, a schooner's green hull on a grey
sea) is seen by the salient-object model with a probability that falls below the mask's
threshold some pixels before the hull ends: the mask's outline then runs inside the hull, over
smooth paint, while the true outline (hull against water) lies farther out (1-10 px on the
night tug, up to 24 px at the night yacht's stern). Where that happens the outline of the
pixels down to a lower probability (``low``) lies on a stronger image edge than the mask's
own outline and than the paint it crosses.

``grow_to_edges``: the pixels with probability ≥ ``low`` connected to the mask are candidates;
the image is cut into cells of CELL px, and a cell's candidates join the mask when the colour
gradient (CIELAB, the largest of its three channels' Sobel magnitudes) along the grown outline
in that cell has a median at least EDGE_GAIN times that along the mask's own outline there and
that of the band between the two (each outline at least MIN_OUTLINE px long in the cell). A
normal rim, where the mask's outline already sits on the vehicle's edge, has the stronger edge
inside: nothing is added there. A halo in textured water (glints) is not taken either: by
means, the glints along its outline beat the hull's edge (a drawing with a 10 px halo gained
1336 px of water), but its outline is no stronger than the water it encloses. Medians, so a
few bright pixels decide nothing. No distance cap: the yacht's stern, 24 px out, is most of
its gain (capped at 12 px: 0.920).
Devset (mask IoU against the truth, ``edge_grow`` 0.25): the tug at night 0.911 -> 0.927, the
yacht at night 0.914 -> 0.927 (by means 0.930 and 0.928), the schooner on the boardwalk
0.935 -> 0.942, the other boats within 0.002. First tried (by means) on every kind: trains,
aircraft and cars moved by under 0.002 and the pickup and the Stryker lost 0.005 (on the raw
saliency mask), so phase I applies it to boats only. ``low`` must be below the mask's
threshold (``VehicleMaskConfig`` checks).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Mask, RGBImage

CELL = 32  # px at working size: the grown outline is judged cell by cell
EDGE_GAIN = 1.2  # the grown outline's gradient must be this many times the mask's own
MIN_OUTLINE = 3  # px of each outline a cell needs before it is judged


def grow_to_edges(rgb: RGBImage, mask: Mask, prob: NDArray[np.float32], low: float) -> Mask:
    """``mask`` (bool (H, W)) with the pixels of ``prob`` ≥ ``low`` (float32 (H, W)) connected
    to it added in the cells where their outline lies on a stronger image edge (``rgb``, uint8
    (H, W, 3)) than the mask's own outline; ``mask`` itself when nothing qualifies."""
    loose = prob >= low
    _, labels = cv2.connectedComponents(loose.astype(np.uint8), connectivity=8)
    touching = np.unique(labels[mask & loose])
    grown = mask | np.isin(labels, touching[touching > 0])
    extra = grown & ~mask
    if not extra.any():
        return mask
    ys, xs = np.nonzero(extra)
    height, width = mask.shape
    y0, x0 = max(0, ys.min() // CELL * CELL - CELL), max(0, xs.min() // CELL * CELL - CELL)
    y1, x1 = min(height, (ys.max() // CELL + 2) * CELL), min(width, (xs.max() // CELL + 2) * CELL)
    area = (slice(y0, y1), slice(x0, x1))
    edges = _gradient(np.ascontiguousarray(rgb[area]))
    inner, outer = _outline(mask[area]), _outline(grown[area])
    inner, outer = inner & ~outer, outer & ~inner  # where the two outlines differ
    out = mask.copy()
    added = extra[area]
    for top in range(0, y1 - y0, CELL):
        for left in range(0, x1 - x0, CELL):
            cell = (slice(top, top + CELL), slice(left, left + CELL))
            was, now = inner[cell], outer[cell]
            if not added[cell].any() or was.sum() < MIN_OUTLINE or now.sum() < MIN_OUTLINE:
                continue
            if _on_an_edge(edges[cell], was, now, added[cell] & ~now):
                out[y0 + top : y0 + top + CELL, x0 + left : x0 + left + CELL] |= added[cell]
    return out


def _on_an_edge(edges: NDArray[np.float32], was: Mask, now: Mask, band: Mask) -> bool:
    """Whether the grown outline (``now``) lies on an edge: its median gradient is EDGE_GAIN
    times that of the mask's own outline (``was``) and of the band between them (``band``,
    when it has MIN_OUTLINE px). Medians, so a few bright pixels (glints) decide nothing; the
    band, so that texture (choppy water the grown outline crosses like the band) is no edge."""
    reference = float(np.median(edges[was]))
    if band.sum() >= MIN_OUTLINE:
        reference = max(reference, float(np.median(edges[band])))
    return float(np.median(edges[now])) >= EDGE_GAIN * reference


def _gradient(rgb: RGBImage) -> NDArray[np.float32]:
    """float32 (H, W): the largest Sobel magnitude of the three CIELAB channels (smoothed 3×3)."""
    lab = cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32), (3, 3), 0)
    out = np.zeros(rgb.shape[:2], np.float32)
    for channel in range(3):
        dx = cv2.Sobel(lab[..., channel], cv2.CV_32F, 1, 0)
        dy = cv2.Sobel(lab[..., channel], cv2.CV_32F, 0, 1)
        out = np.maximum(out, cv2.magnitude(dx, dy))
    return out


def _outline(mask: Mask) -> Mask:
    """The mask's own pixels with a background pixel among their 8 neighbours."""
    return mask & ~(cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
