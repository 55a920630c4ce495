"""Operations on bool masks, probability maps and boxes that phase I's mask is built from: edge-
following smoothing, which components are the vehicle, hole filling, growing boxes. Pure
functions on arrays."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, Mask
from v2v.geometry import fill_holes as fill_holes  # re-exported: phase I uses it from here

NEAR_GAP = 0.03  # pieces within this fraction of the vehicle's diagonal belong to it


def guided_filter(
    guide: NDArray[np.float32], source: NDArray[np.float32], radius: int, eps: float
) -> NDArray[np.float32]:
    """He et al.'s guided filter: ``source`` smoothed but following ``guide``'s edges.

    guide, source: float32 (H, W) in 0..1. Returns float32 (H, W).
    """
    size = (2 * radius + 1, 2 * radius + 1)

    def box(a: NDArray[np.float32]) -> NDArray[np.float32]:
        return np.asarray(cv2.boxFilter(a, -1, size), np.float32)

    mean_i, mean_p = box(guide), box(source)
    cov = box(guide * source) - mean_i * mean_p
    var = box(guide * guide) - mean_i * mean_i
    a = (cov / (var + np.float32(eps))).astype(np.float32)
    b = (mean_p - a * mean_i).astype(np.float32)
    return np.asarray(box(a) * guide + box(b), np.float32)


def colour_guided_filter(
    guide: NDArray[np.float32], source: NDArray[np.float32], radius: int, eps: float
) -> NDArray[np.float32]:
    """He et al.'s guided filter with a colour guide: ``source`` smoothed but following the
    edges of ``guide`` in any of its channels (two colours of one brightness, a pink frame on
    green grass, part as a grey guide cannot).

    guide: float32 (H, W, 3) in 0..1; source: float32 (H, W) in 0..1. Returns float32 (H, W).
    """
    size = (2 * radius + 1, 2 * radius + 1)

    def box(a: NDArray[np.float32]) -> NDArray[np.float32]:
        return np.asarray(cv2.boxFilter(a, -1, size), np.float32)

    mean_i, mean_p = box(guide), box(source)
    cov = [box(guide[..., c] * source) - mean_i[..., c] * mean_p for c in range(3)]
    e = np.float32(eps)

    def var(i: int, j: int) -> NDArray[np.float32]:
        return box(guide[..., i] * guide[..., j]) - mean_i[..., i] * mean_i[..., j]

    rr, rg, rb, gg, gb, bb = (
        var(0, 0) + e,
        var(0, 1),
        var(0, 2),
        var(1, 1) + e,
        var(1, 2),
        var(2, 2) + e,
    )
    # the symmetric 3 × 3 covariance's inverse by cofactors, pixel by pixel
    inv = (
        gg * bb - gb * gb,
        gb * rb - rg * bb,
        rg * gb - gg * rb,
        rr * bb - rb * rb,
        rg * rb - rr * gb,
        rr * gg - rg * rg,
    )
    det = rr * inv[0] + rg * inv[1] + rb * inv[2]
    rows = ((inv[0], inv[1], inv[2]), (inv[1], inv[3], inv[4]), (inv[2], inv[4], inv[5]))
    a = [(row[0] * cov[0] + row[1] * cov[1] + row[2] * cov[2]) / det for row in rows]
    b = mean_p - sum(a[c] * mean_i[..., c] for c in range(3))
    return np.asarray(sum(box(a[c]) * guide[..., c] for c in range(3)) + box(b), np.float32)


def keep_vehicle(mask: Mask) -> Mask:
    """The largest component plus the components within NEAR_GAP of it (bool (H, W))."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    if count <= 2:
        return mask.copy()
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    w, h = int(stats[largest, cv2.CC_STAT_WIDTH]), int(stats[largest, cv2.CC_STAT_HEIGHT])
    gap = max(1, int(NEAR_GAP * float(np.hypot(w, h))))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * gap + 1, 2 * gap + 1))
    near = cv2.dilate((labels == largest).astype(np.uint8), kernel) > 0
    keep = _present(labels[near & mask], count)
    return _members(labels, keep[keep > 0], count)


def keep_touching(mask: Mask, box: Box) -> Mask:
    """The components of ``mask`` (bool (H, W)) that reach into ``box``, without specks (under
    a hundredth of the largest of them)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    inside = _present(labels[box.y0 : box.y1, box.x0 : box.x1], count)
    inside = inside[inside > 0]
    if inside.size == 0:
        return np.zeros_like(mask)
    areas = stats[inside, cv2.CC_STAT_AREA]
    keep = inside[areas >= 0.01 * areas.max()]
    return _members(labels, keep, count)


def _present(labels: NDArray[Any], count: int) -> NDArray[np.intp]:
    """The sorted component ids (0..count-1) found in ``labels``: ``np.unique``'s answer,
    without its sort of every pixel."""
    seen = np.zeros(count, bool)
    seen[labels.ravel()] = True
    return np.flatnonzero(seen)


def _members(labels: NDArray[Any], keep: NDArray[np.intp], count: int) -> Mask:
    """bool (H, W): the pixels whose component id is in ``keep`` (``np.isin`` by a table)."""
    table = np.zeros(count, bool)
    table[keep] = True
    return np.asarray(table[labels])


def grow(box: Box, fraction: float, width: int, height: int) -> Box:
    """``box`` grown by ``fraction`` of its width and height on each side, clipped to the
    image (no fixed pixel slack)."""
    dx = round(fraction * (box.x1 - box.x0))
    dy = round(fraction * (box.y1 - box.y0))
    return Box(
        max(0, box.x0 - dx), max(0, box.y0 - dy), min(width, box.x1 + dx), min(height, box.y1 + dy)
    )


def grow_with_slack(box: Box, fx: float, fy: float, width: int, height: int) -> Box:
    """``box`` grown by ``fx`` of its width and ``fy`` of its height plus 8 px on each side,
    clipped to the image."""
    dx = int(fx * (box.x1 - box.x0)) + 8
    dy = int(fy * (box.y1 - box.y0)) + 8
    return Box(
        max(0, box.x0 - dx), max(0, box.y0 - dy), min(width, box.x1 + dx), min(height, box.y1 + dy)
    )


def only_inside(values: NDArray[Any], box: Box) -> NDArray[Any]:
    """``values`` with everything outside ``box`` set to zero (False)."""
    out = np.zeros_like(values)
    out[box.y0 : box.y1, box.x0 : box.x1] = values[box.y0 : box.y1, box.x0 : box.x1]
    return out


def beyond_sides(
    mask: Mask, salient: Mask, box: Box, thick: float, band: int = 0, scene: Mask | None = None
) -> Mask:
    """The pieces of ``salient`` (bool (H, W)) left and right of ``box``, within its rows, that
    touch ``mask`` (bool (H, W)) and are at least ``thick`` px thick somewhere (a distance of
    ``thick`` / 2 from their edge): a bicycle's wheel its box cut off at the side, not a line
    of the scene (a wall's foot, a fence) running on from it. A piece may start ``band`` px
    inside the box's sides (where the mask lost the wheel's edge) if it reaches beyond them;
    ``scene`` (bool (H, W)): pixels in the scene's colours, which join no piece (the ground
    saliency sees below the wheel), except in holes they leave inside one. bool (H, W)."""
    side, outside = np.zeros_like(mask), np.zeros_like(mask)
    side[box.y0 : box.y1, : box.x0 + band] = True
    side[box.y0 : box.y1, max(0, box.x1 - band) :] = True
    outside[box.y0 : box.y1, : box.x0] = True
    outside[box.y0 : box.y1, box.x1 :] = True
    beyond = salient & side & ~mask
    if scene is not None:
        beyond &= ~scene
    if not beyond.any():
        return beyond
    _, labels = cv2.connectedComponents(beyond.astype(np.uint8), connectivity=8)
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    touching = np.intersect1d(labels[grown & beyond], labels[outside & beyond])
    depth = np.asarray(cv2.distanceTransform(beyond.astype(np.uint8), cv2.DIST_L2, 3))
    keep = [i for i in touching if i > 0 and float(depth[labels == i].max()) >= thick / 2]
    joined = np.isin(labels, keep)
    if scene is not None and keep:  # the wheel's own shade in the scene's colours
        size = 2 * max(1, round(thick)) + 1
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        closed = cv2.morphologyEx((joined | mask).astype(np.uint8), cv2.MORPH_CLOSE, disk) > 0
        near = cv2.dilate(joined.astype(np.uint8), disk) > 0  # only around a joined piece
        joined |= closed & near & salient & side & ~mask
    return joined
