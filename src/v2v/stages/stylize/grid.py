"""A working grid for flattening that a small change of the mask does not move (``stable_grid``).

Without it the vehicle's bounding box is cropped and the crop shrunk to ``resolution``: one
pixel more or less in the box changes the scale, so the resampling grid of the whole crop
moves, and with it mean shift, SLIC and every greedy merge after them (one mask pixel redrew
93 % of an airliner). Here instead:

- the scale comes from a ladder (powers of 2^(-1/8)), the step that brings the long side of
  the box (margin included) nearest to ``resolution``: a box change moves it only across a
  step;
- the whole photo is shrunk at that scale and the crop cut from it, so a pixel of the crop is
  the same pixel, with the same value, wherever the box lies;
- SLIC's seed spacing is a whole number of pixels from the mask's area (``seed_step``), the
  crop's origin a multiple of it (and even, for mean shift's pyramid) and its size a
  multiple of it: the seeds lie on one grid fixed to the photo.

The crop may reach past the photo; those pixels are background (``fill_nearest`` paints them).
Its long side may exceed ``resolution`` by up to 4.4 % (the nearest ladder step) plus two seed
steps (its ends rounded out to whole steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.stages.stylize.raster import Mask

#: Ladder of scales: 2 ** (-k / LADDER_STEPS) for k = 0, 1, 2, ...
LADDER_STEPS = 8
#: The smallest SLIC seed spacing, px (superpixels of at least 16 px, as MIN_SUPERPIXEL_AREA).
MIN_STEP = 4


@dataclass(frozen=True)
class Grid:
    """small: RGB crop at the working scale; mask: the vehicle on it; step: SLIC seed spacing
    (px); origin: (row, col) of the crop on the shrunk photo; factor: (fy, fx) shrunk / photo."""

    small: NDArray[np.uint8]
    mask: Mask
    step: int
    origin: tuple[int, int]
    factor: tuple[float, float]


def ladder_scale(long_side: int, resolution: int) -> float:
    """The ladder scale (at most 1) that brings ``long_side`` nearest to ``resolution`` (in
    log: the shrunk long side lies within 2^(+-1/16) of ``resolution``, 4.4 %)."""
    if long_side <= resolution:
        return 1.0
    k = max(0, round(LADDER_STEPS * math.log2(long_side / resolution)))
    return float(2.0 ** (-k / LADDER_STEPS))


def seed_step(area: float, count: int) -> int:
    """SLIC's seed spacing (whole px, at least MIN_STEP) for about ``count`` superpixels on
    ``area`` px: it moves only where sqrt(area / count) crosses a half pixel."""
    return max(MIN_STEP, round(math.sqrt(area / max(count, 1))))


def _span(low: int, high: int, align: int, step: int) -> tuple[int, int]:
    """[start, stop) covering [low, high): start a multiple of ``align``, length of ``step``."""
    start = (low // align) * align
    return start, start + (-(-(high - start) // step)) * step


def stable_grid(
    pixels: NDArray[np.uint8], mask: Mask, box: tuple[slice, slice], resolution: int, count: int
) -> Grid:
    """The crop of ``box`` (the mask's bounding box with its margin, photo px) on the grid."""
    rows, cols = box
    long_side = max(rows.stop - rows.start, cols.stop - cols.start)
    scale = ladder_scale(long_side, resolution)
    height, width = mask.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fy, fx = size[1] / height, size[0] / width
    if scale < 1.0:
        shrunk = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        coverage = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    else:
        shrunk, coverage = pixels, mask.astype(np.float32)
    step = seed_step(float(mask.sum()) * fy * fx, count)
    align = step if step % 2 == 0 else 2 * step
    y0, y1 = _span(math.floor(rows.start * fy), math.ceil(rows.stop * fy), align, step)
    x0, x1 = _span(math.floor(cols.start * fx), math.ceil(cols.stop * fx), align, step)
    small = np.zeros((y1 - y0, x1 - x0, 3), np.uint8)
    cover = np.zeros((y1 - y0, x1 - x0), np.float32)
    sy0, sy1, sx0, sx1 = max(0, y0), min(size[1], y1), max(0, x0), min(size[0], x1)
    small[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = shrunk[sy0:sy1, sx0:sx1]
    cover[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = coverage[sy0:sy1, sx0:sx1]
    small_mask = cover >= 0.5 if (cover >= 0.5).any() else cover > 0
    return Grid(small, small_mask, step, (y0, x0), (fy, fx))


def photo_box(grid: Grid, shape: tuple[int, int]) -> tuple[tuple[int, int], tuple[slice, slice]]:
    """(height, width) of the crop at photo size, and where its part inside the photo lies:
    (rows, cols) of the photo, the same offsets into the crop at photo size."""
    (y0, x0), (fy, fx) = grid.origin, grid.factor
    h, w = grid.mask.shape
    top, left = round(y0 / fy), round(x0 / fx)
    out_h, out_w = round((y0 + h) / fy) - top, round((x0 + w) / fx) - left
    return (out_h, out_w), (slice(top, top + out_h), slice(left, left + out_w))


def paste(out: NDArray[np.uint8], drawn: NDArray[np.uint8], where: tuple[slice, slice]) -> None:
    """Write ``drawn`` (the crop at photo size) into ``out`` at ``where``, clipped to the photo."""
    rows, cols = where
    height, width = out.shape[:2]
    r0, r1 = max(0, rows.start), min(height, rows.stop)
    c0, c1 = max(0, cols.start), min(width, cols.stop)
    out[r0:r1, c0:c1] = drawn[r0 - rows.start : r1 - rows.start, c0 - cols.start : c1 - cols.start]
