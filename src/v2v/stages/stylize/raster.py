"""Label-map helpers for the classical stylizer: small functions, arrays in, arrays out.

A label map is int32 (h, w): region ids 0..n-1, and -1 for pixels that belong to no region
(outside the vehicle). Colours are CIELAB float (L 0..100), as ``cv2.cvtColor`` gives for
float32 RGB in 0..1.
"""

from __future__ import annotations

from typing import TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

Labels = NDArray[np.int32]
Mask = NDArray[np.bool_]
FloatImage = NDArray[np.float32]
Item = TypeVar("Item", bound=np.generic)

#: Squared Lab distance a pixel must gain before boundary refinement moves it to another
#: region, so texture next to a boundary does not flicker between two regions.
STAY_BONUS = 4.0


def lab_to_rgb(colors: NDArray[np.floating]) -> NDArray[np.uint8]:
    """CIELAB (n, 3) → RGB uint8 (n, 3), out-of-gamut colours clipped."""
    rgb = cv2.cvtColor(colors.astype(np.float32)[None], cv2.COLOR_LAB2RGB)[0]
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def fill_nearest(values: NDArray[Item], known: Mask) -> NDArray[Item]:
    """A copy of ``values`` (h, w) or (h, w, c) where every pixel outside ``known`` (bool (h, w),
    at least one True) takes the value of the nearest known pixel (Euclidean distance)."""
    _, nearest = cv2.distanceTransformWithLabels(
        (~known).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    rows, cols = np.nonzero(known)
    index = np.zeros(int(nearest.max()) + 1, dtype=np.int64)
    index[nearest[known]] = np.arange(rows.size)
    source = index[nearest]
    filled: NDArray[Item] = values[rows[source], cols[source]]
    return filled


def compact_labels(labels: NDArray[np.integer]) -> tuple[Labels, int]:
    """Renumber the non-negative labels to 0..n-1 (order kept), -1 stays -1. Returns (labels, n)."""
    values, inverse = np.unique(labels, return_inverse=True)
    inverse = inverse.reshape(labels.shape).astype(np.int32)
    if values.size and values[0] < 0:
        inverse -= 1
        return inverse, int(values.size - 1)
    return inverse, int(values.size)


def region_medians(
    lab: FloatImage, labels: Labels, count: int
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per-region median colour (count, 3) float64 and area (count,) int64; -1 pixels ignored.
    Every region id 0..count-1 must occur at least once."""
    flat = labels.ravel()
    inside = flat >= 0
    ids = flat[inside]
    areas = np.bincount(ids, minlength=count).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(areas)[:-1]])
    middle = starts + areas // 2
    medians = np.empty((count, 3), dtype=np.float64)
    for channel in range(3):
        values = lab[..., channel].ravel()[inside]
        order = np.lexsort((values, ids))
        medians[:, channel] = values[order][middle]
    return medians, areas


def _neighbour_pairs(labels: Labels) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Both sides of every horizontally or vertically adjacent pixel pair, flattened."""
    horizontal = (labels[:, :-1].ravel(), labels[:, 1:].ravel())
    vertical = (labels[:-1, :].ravel(), labels[1:, :].ravel())
    first = np.concatenate([horizontal[0], vertical[0]])
    return first, np.concatenate([horizontal[1], vertical[1]])


def adjacency(
    labels: Labels,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Adjacent region pairs (first < second) and their shared boundary length in 4-neighbour
    pixel pairs: three int64 arrays of equal length."""
    first, second = _neighbour_pairs(labels)
    between = (first != second) & (first >= 0) & (second >= 0)
    low = np.minimum(first[between], second[between]).astype(np.int64)
    high = np.maximum(first[between], second[between]).astype(np.int64)
    codes, lengths = np.unique(low * (1 << 31) + high, return_counts=True)
    return codes >> 31, codes & ((1 << 31) - 1), lengths.astype(np.int64)


def background_contact(labels: Labels, count: int) -> NDArray[np.int64]:
    """Per region (count,), the number of 4-neighbour pixel pairs it shares with -1 pixels."""
    first, second = _neighbour_pairs(labels)
    contact = np.bincount(second[(first < 0) & (second >= 0)], minlength=count)
    contact += np.bincount(first[(second < 0) & (first >= 0)], minlength=count)
    return contact.astype(np.int64)


def refine_boundaries(
    lab: FloatImage, labels: Labels, colors: NDArray[np.floating], iterations: int, radius: int
) -> Labels:
    """Move region boundaries onto the image's colour edges.

    Each pass gives every pixel the label, among its own and those ``radius`` px away in the
    eight compass directions, whose region colour (``colors`` (n, 3) Lab) is nearest to the
    pixel's colour (``lab`` (h, w, 3)). ``labels`` must have no -1 pixels.
    """
    height, width = labels.shape
    offsets = [(0, 0)] + [
        (dy * radius, dx * radius) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx
    ]
    palette = colors.astype(np.float32)
    labels = labels.copy()
    for _ in range(iterations):
        padded = np.pad(labels, radius, mode="edge")
        candidates = np.stack(
            [
                padded[radius + dy : radius + dy + height, radius + dx : radius + dx + width]
                for dy, dx in offsets
            ]
        )
        # only pixels within ``radius`` of a boundary can change
        band = (candidates != candidates[0]).any(axis=0)
        near = candidates[:, band]
        distance = ((palette[near] - lab[band][None]) ** 2).sum(axis=-1)
        distance[0] -= STAY_BONUS
        labels[band] = np.take_along_axis(near, distance.argmin(axis=0)[None], axis=0)[0]
    return labels


def upsample_labels(labels: Labels, size: tuple[int, int], sigma: float) -> Labels:
    """Resize a label map (h, w) with no -1 pixels to ``size`` (width, height) with smooth
    boundaries: each region's indicator is resized bilinearly and blurred (Gaussian ``sigma``
    px at the output size); every pixel takes the region with the strongest response."""
    height, width = labels.shape
    out_w, out_h = size
    scale_y, scale_x = out_h / height, out_w / width
    margin = max(2, int(np.ceil(3.0 * sigma / min(scale_x, scale_y))) + 1)
    best = np.full((out_h, out_w), -1.0, dtype=np.float32)
    result = np.zeros((out_h, out_w), dtype=np.int32)
    for region, box in enumerate(ndimage.find_objects(labels + 1)):
        if box is None:
            continue
        y0, y1 = max(0, box[0].start - margin), min(height, box[0].stop + margin)
        x0, x1 = max(0, box[1].start - margin), min(width, box[1].stop + margin)
        oy0, oy1 = round(y0 * scale_y), round(y1 * scale_y)
        ox0, ox1 = round(x0 * scale_x), round(x1 * scale_x)
        indicator = (labels[y0:y1, x0:x1] == region).astype(np.float32)
        response = cv2.resize(indicator, (ox1 - ox0, oy1 - oy0), interpolation=cv2.INTER_LINEAR)
        if sigma > 0:
            response = cv2.GaussianBlur(response, (0, 0), sigma)
        current = best[oy0:oy1, ox0:ox1]
        stronger = response > current
        current[stronger] = response[stronger]
        result[oy0:oy1, ox0:ox1][stronger] = region
    return result
