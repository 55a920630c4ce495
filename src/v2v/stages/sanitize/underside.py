"""A long vehicle's underside that saliency leaves below the mask: the wheel bogies and the dark
strip under a wagon's light sill.

Saliency stops at a freight wagon's light sill. Below it the photo shows what the drawing then
lacks: the bogies (near-black compact blobs, a few per cent of the train's width, a fifth of its
body high, at regular intervals) and a thin dark strip just under the sill (its shadowed
underside). The ground below a train is not one colour (grass in front of a lighter path), so
neither is found by comparing with the ground farther down alone.

Both look only below the mask's lower edge, in the columns whose lowest mask row is within LOW
of the vehicle's height of the edge's median row (not below the gap between two wagons, nor
below an animal cut out of the mask), and both use ``contrast``: CIELAB lightness L* (0-100).

- Bogies (``bogies``): a pixel's contrast is its lightness below the closing of the lightness
  with a horizontal line of BLACKHAT_SPAN of the train's width (a black-hat: how much darker it
  is than the lighter ground on both its left and its right, in its own rows). In the band
  TALL of the height deep, pixels at least ``contrast`` darker, opened with a 3 px square (a
  thin bridge to a neighbouring dark speck goes), form blobs. A blob is a bogie when it reaches
  within ATTACH px of the mask's edge, is at most WIDE of the train's width wide and TALL of its
  height tall, at least MIN_SIDE of the height square in area, fills at least FILL of its box,
  is at most ASPECT times as wide as tall (or tall as wide), and its median L* is at most
  DARKEST. A train's bogies are alike: only the largest group of blobs within SIMILAR of one
  another's area (either way) stays (dark shrubs behind the train, smaller or larger, go).
  Fewer than MIN_COUNT (a train has several) and none is taken. The blobs join the mask with
  the rows between the mask's edge and their top. Not for boats (a hull's dark waterline
  reflection is water).
- The strip (``sill_strip``): in a column, the darkest of the STRIP_DEPTH rows under the mask's
  edge is a valley when it is ``contrast`` darker than the mask's last SILL_ROWS rows (the
  sill) and STRIP_GROUND times ``contrast`` darker than the ground 3-5 px below it (the strip
  is thin; a dark shrub or shadow under the train goes on down). The rows down to it and one
  more join the mask, only in runs of such columns at least STRIP_RUN of the train's width long
  (the columns of the bogies found continue a run, and breaks of up to STRIP_BREAK of the
  width, where a speck interrupts, do not end it; neither gets strip rows).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Mask, RGBImage

LOW = 0.1  # a column's lowest mask row within this share of the height of the edge's median
BLACKHAT_SPAN = 0.06  # the horizontal closing's length: this share of the train's width
TALL = 0.3  # the band below the mask, and a bogie's height at most: this share of the height
WIDE = 0.04  # a bogie is at most this share of the train's width wide
MIN_SIDE = 0.1  # ... at least this share of the height square in area
FILL = 0.5  # ... fills at least this share of its bounding box
ASPECT = 2.5  # ... at most this many times as wide as tall, or as tall as wide
DARKEST = 31.0  # ... its median L* at most this (wheels are near black)
ATTACH = 2  # ... and it reaches within this many px below the mask's lower edge
SIMILAR = 0.5  # a train's bogies are alike: at least this share of the largest one's area
MIN_COUNT = 2  # fewer bogies than this and none is taken
STRIP_DEPTH = 3  # the strip's darkest row: within this many rows under the mask's edge
SILL_ROWS = 3  # the sill: the mask's last rows in the column
STRIP_GROUND = 0.6  # the ground 3-5 px below is this share of ``contrast`` lighter at least
STRIP_RUN = 0.05  # a run of strip columns: at least this share of the train's width
STRIP_BREAK = 0.01  # breaks of up to this share of the width do not end a run


def underside(rgb: RGBImage, mask: Mask, contrast: float) -> Mask:
    """The pixels below ``mask`` (bool (H, W), a long vehicle) that are its bogies or the dark
    strip under its sill: bool (H, W), empty when none."""
    if not mask.any():
        return np.zeros_like(mask)
    lightness = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0]
    bottom = _lower_edge(mask)
    wheels = bogies(lightness, mask, bottom, contrast)
    columns = np.asarray(wheels.any(axis=0), bool)
    return wheels | sill_strip(lightness, mask, bottom, contrast, columns)


def _lower_edge(mask: Mask) -> NDArray[np.int64]:
    """Per column, the mask's lowest row where it is near the edge's median row, else -1."""
    held = mask.any(axis=0)
    bottom = np.where(held, mask.shape[0] - 1 - np.argmax(mask[::-1], axis=0), -1)
    rows = np.nonzero(mask.any(axis=1))[0]
    height = int(rows[-1] - rows[0] + 1)
    edge = float(np.median(bottom[held]))
    return np.where(held & (bottom >= edge - LOW * height), bottom, -1).astype(np.int64)


def _size(mask: Mask) -> tuple[int, int]:
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return int(rows[-1] - rows[0] + 1), int(columns[-1] - columns[0] + 1)


def bogies(lightness: NDArray[Any], mask: Mask, bottom: NDArray[np.int64], contrast: float) -> Mask:
    """The wheel bogies below the mask's lower edge ``bottom`` and the rows joining them to it;
    ``lightness``: OpenCV's 8-bit CIELAB L (0-255)."""
    height, width = _size(mask)
    span = max(3, round(BLACKHAT_SPAN * width)) | 1
    line = np.ones((1, span), np.uint8)
    darker = cv2.morphologyEx(lightness, cv2.MORPH_BLACKHAT, line).astype(np.float32) / 2.55
    below = np.arange(mask.shape[0])[:, None] - bottom[None, :]
    band = (bottom >= 0)[None, :] & (below > 0) & (below <= TALL * height)
    seen = (band & (darker >= contrast)).astype(np.uint8)
    dark = cv2.morphologyEx(seen, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    near = band & (below <= ATTACH)
    found = []
    for label in range(1, count):
        w, h, area = (int(v) for v in stats[label, 2:5])
        blob = labels == label
        if (
            w <= WIDE * width
            and h <= TALL * height
            and area >= (MIN_SIDE * height) ** 2
            and area >= FILL * w * h
            and max(w, h) <= ASPECT * min(w, h)
            and (near & blob).any()
            and float(np.median(lightness[blob])) / 2.55 <= DARKEST
        ):
            found.append(label)
    found = _alike(found, stats[found, cv2.CC_STAT_AREA] if found else np.zeros(0, np.int32))
    if len(found) < MIN_COUNT:
        return np.zeros_like(mask)
    taken = np.isin(labels, found)
    top = np.where(taken.any(axis=0), np.argmax(taken, axis=0), -1)
    rows = np.arange(mask.shape[0])[:, None]
    joins = (top >= 0)[None, :] & (below > 0) & (rows < top[None, :])
    return np.asarray((taken | joins) & ~mask)


def _alike(labels: list[int], areas: NDArray[Any]) -> list[int]:
    """The largest group of ``labels`` whose ``areas`` are alike (each within SIMILAR of the
    group's reference blob, either way; ties: the larger blobs): a train's bogies, not the
    dark shrubs behind it, smaller or larger."""
    if not labels:
        return []
    areas = areas.astype(np.float64)
    groups = [(areas >= SIMILAR * ref) & (areas <= ref / SIMILAR) for ref in areas]
    best = max(range(len(labels)), key=lambda i: (int(groups[i].sum()), areas[i]))
    return [label for label, keep in zip(labels, groups[best], strict=True) if keep]


def sill_strip(
    lightness: NDArray[Any],
    mask: Mask,
    bottom: NDArray[np.int64],
    contrast: float,
    wheels: NDArray[np.bool_] | None = None,
) -> Mask:
    """The thin dark strip right under the mask's lower edge ``bottom`` (a wagon's sill's
    shadowed underside), in long runs of columns; ``wheels`` (bool (W,)): the columns of
    bogies found, which continue a run (the strip goes on behind them)."""
    _, width = _size(mask)
    image_height = mask.shape[0]
    level = lightness.astype(np.float32) / 2.55
    reach = np.full(mask.shape[1], -1)
    for column in np.nonzero((bottom >= 0) & (bottom + STRIP_DEPTH + 6 < image_height))[0]:
        edge = int(bottom[column])
        profile = level[:, column]
        valley = edge + 1 + int(np.argmin(profile[edge + 1 : edge + 1 + STRIP_DEPTH]))
        sill = float(profile[max(0, edge + 1 - SILL_ROWS) : edge + 1].max())
        ground = float(np.median(profile[valley + 3 : valley + 6]))
        darkest = float(profile[valley])
        if sill - darkest >= contrast and ground - darkest >= STRIP_GROUND * contrast:
            reach[column] = min(valley + 1, edge + STRIP_DEPTH)
    good = reach >= 0
    bridged = good if wheels is None else good | wheels
    gap = max(1, round(STRIP_BREAK * width))
    bridge = np.ones((1, 2 * gap + 1), np.uint8)
    runs = cv2.morphologyEx(bridged.astype(np.uint8)[None, :], cv2.MORPH_CLOSE, bridge)[0]
    _, labels, stats, _ = cv2.connectedComponentsWithStats(runs[None, :], connectivity=4)
    long_runs = np.nonzero(stats[:, cv2.CC_STAT_WIDTH] >= STRIP_RUN * width)[0]
    keep = good & np.isin(labels[0], long_runs[long_runs > 0])
    rows = np.arange(image_height)[:, None]
    strip = keep[None, :] & (rows > bottom[None, :]) & (rows <= reach[None, :])
    return np.asarray(strip & ~mask)
