"""Things standing in front of the vehicle: cut where they stick out, painted over where not.

Three steps, each a small function on arrays:

* ``cut_occluders``: thin, tall parts of the mask that hang below the vehicle's ground line
  (legs of people walking in front of it, posts) are cut there. The ground line is the bottom
  profile of the mask opened with a window of a fifth of the vehicle's width, so wheels (wide,
  shallow bumps) stay; a part below it that is taller than wide goes. A post touching a
  wheel's bottom makes one wide part with it: its deep, thin end goes too, but only where legs
  were found (a motorcycle's side stand has the same shape).
* ``stands_in_front``: a person or animal the detector boxes over the vehicle is in front of it
  only when no lower part of the vehicle shows below the box or beside it, within a reach
  of the vehicle's height (else it is something on it).
* ``behind_occluders``: where an occluder (a person found by ``people.py``) crosses the
  vehicle's outline, the outline is continued behind it from the unoccluded outline around it
  (bottom and top edges column by column, side edges row by row), and what lies outside goes.
* ``fill_rows``: the pixels the occluder covered on the vehicle get the vehicle's colours back,
  row by row, interpolated between the vehicle's colours just left and right of it. Vehicles
  seen from the side or three-quarters are horizontal bands (windows, paint, skirt, wheels'
  shadow), which this continues; Telea's inpainting smears the occluder's rim inwards instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import grey_opening, median_filter

from v2v.artefacts import Box, Mask, RGBImage

GROUND_WINDOW = 0.2  # ground line: bottom profile opened over this share of the width
OCCLUDER_MIN_DEPTH = 0.04  # a cut part reaches at least this share of the vehicle's height
EDGE_GAP = 6  # px: an outline pixel this close to an occluder is hidden by it
END_RUN = 0.05  # outline within this share of the vehicle's ends is not continued
SAMPLE_WIDTH = 6  # px: the least width of vehicle sampled beside an occluder
SMOOTH_ROWS = 9  # filled pixels take the median over this many rows (no streaks)


def cut_occluders(mask: Mask) -> tuple[Mask, list[Box], list[Box]]:
    """``mask`` (bool (H, W)) without the thin, tall parts that hang below the vehicle's ground
    line; the bounding boxes of those parts (legs of people in front of it, posts: the
    evidence ``people.py`` starts from); and those of the posts cut beside wheels.

    Posts beside wheels (the deep, thin end of a wide part) are cut only when a thin, tall part
    was found too: a motorcycle's side stand has the same shape, and a scene with people in
    front of the vehicle is a street scene.
    """
    rows = np.nonzero(mask.any(axis=1))[0]
    line = ground_line(mask)
    if line is None:
        return mask, [], []
    x0, ground = line
    depth = np.zeros(mask.shape, np.int64)  # rows below the ground line (<= 0: above it)
    depth[:, x0 : x0 + ground.size] = np.arange(mask.shape[0])[:, None] - ground[None, :]
    parts = mask & (depth > 0)
    min_depth = OCCLUDER_MIN_DEPTH * (int(rows[-1]) - int(rows[0]) + 1)
    legs, leg_boxes = _thin_and_tall(parts, min_depth)
    if not leg_boxes:
        return mask, [], []
    _, post_boxes = _thin_and_tall(parts & ~legs & (depth > min_depth), min_depth)
    posts = np.zeros_like(mask)
    for box in post_boxes:
        posts[:, box.x0 : box.x1] = parts[:, box.x0 : box.x1] & ~legs[:, box.x0 : box.x1]
    return mask & ~legs & ~posts, leg_boxes, post_boxes


def _thin_and_tall(parts: Mask, min_depth: float) -> tuple[Mask, list[Box]]:
    """The components of ``parts`` (bool (H, W)) at least as tall as wide and ``min_depth``
    tall: their pixels and their boxes."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(parts.astype(np.uint8))
    chosen = [
        i
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_HEIGHT] >= max(min_depth, stats[i, cv2.CC_STAT_WIDTH])
    ]
    boxes = [Box(int(x), int(y), int(x + w), int(y + h)) for x, y, w, h, _ in stats[chosen]]
    return np.isin(labels, chosen), boxes


def ground_line(mask: Mask) -> tuple[int, NDArray[np.int64]] | None:
    """The vehicle's ground line: (x0, rows), ``rows[i]`` the ground row of column x0 + i over
    the mask's columns; None when the mask spans fewer than 3 columns."""
    columns = np.nonzero(mask.any(axis=0))[0]
    if columns.size < 3:
        return None
    x0, x1 = int(columns[0]), int(columns[-1]) + 1
    bottom = mask.shape[0] - 1 - np.argmax(mask[::-1, x0:x1], axis=0)
    window = max(3, int(GROUND_WINDOW * (x1 - x0)))
    return x0, np.asarray(grey_opening(bottom, size=window, mode="nearest"), np.int64)


ENCLOSED = 0.1  # share of a figure box's columns with vehicle above its top: it lies within


def stands_in_front(
    figure: Box, vehicle: Mask, slack: float, reach: float = 0.0, others: Sequence[Box] = ()
) -> bool:
    """True when a person or animal boxed by ``figure`` can stand in front of ``vehicle`` (bool
    (H, W), its mask with the figure in it); False only for something on the vehicle (a tank's
    camouflage read as a person, a driver behind the windscreen, a wagon's open end read as a
    person), whose box lies within the vehicle's outline: the vehicle goes on below it (the box
    ends above the vehicle's lowest pixel near it, less ``slack`` of the vehicle's height:
    someone in front stands nearer the camera, so their feet are lower than the wheels beside
    them; near = in the box's columns and ``reach`` of the vehicle's height to either side, so
    that a wheel beside the box counts, not only the body's sill in its own columns; beside
    them, not in ``others``, the other people's and animals' boxes: a nearer adult's or dog's
    legs that saliency joined to the vehicle are no wheels) and above
    it (in at least ENCLOSED of its columns: a person standing behind the vehicle, whose head
    and shoulders saliency joined to it, has nothing of the vehicle above their head)."""
    rows = np.nonzero(vehicle.any(axis=1))[0]
    columns = vehicle[:, max(0, figure.x0) : max(0, figure.x1)]
    if rows.size == 0 or not columns.any():
        return True
    height = int(rows[-1]) - int(rows[0]) + 1
    side = round(reach * height)
    ground = vehicle
    if side and others:
        hidden = np.zeros_like(vehicle)
        for box in others:
            hidden[max(0, box.y0) : max(0, box.y1), max(0, box.x0) : max(0, box.x1)] = True
        hidden[:, max(0, figure.x0) : max(0, figure.x1)] = False
        ground = vehicle & ~hidden
    near = ground[:, max(0, figure.x0 - side) : max(0, figure.x1 + side)]
    seen = np.nonzero(near.any(axis=0))[0]
    lowest = int((near.shape[0] - 1 - np.argmax(near[::-1, seen], axis=0)).max())
    if figure.y1 - 1 >= lowest - slack * height:
        return True
    above = columns[: max(0, figure.y0)].any(axis=0)
    return float(above.mean()) < ENCLOSED if above.size else True


def behind_occluders(vehicle: Mask, occluder: Mask, frame: Box | None = None) -> Mask:
    """``vehicle`` (bool (H, W)) with its outline continued behind ``occluder`` (bool (H, W)).

    A column whose lowest (highest) vehicle pixel is at or next to an occluder pixel, or on the
    border of ``frame`` (the area the vehicle was looked for in: a hint box; default the whole
    image), where the outline was cut rather than seen, takes its bottom (top) edge from the
    nearest clean columns, linearly between them; rows likewise for their left and right
    sides. Occluder pixels inside the continued outline are vehicle (the vehicle goes on behind
    the person), those outside are not; vehicle pixels off the occluder stay as they are.
    """
    if not occluder.any():
        return vehicle.copy()
    height, width = vehicle.shape
    near = cv2.dilate(occluder.astype(np.uint8), np.ones((2 * EDGE_GAP + 1,) * 2, np.uint8)) > 0
    frame = frame or Box(0, 0, width, height)
    near[frame.y0, :] = near[frame.y1 - 1, :] = True
    near[:, frame.x0] = near[:, frame.x1 - 1] = True
    top, bottom = _edges(vehicle, near)
    left, right = _edges(vehicle.T, near.T)
    ys, xs = np.arange(height)[:, None], np.arange(width)[None, :]
    inside = (ys >= top[None, :]) & (ys <= bottom[None, :])
    inside &= (xs >= left[:, None]) & (xs <= right[:, None])
    return (vehicle & ~occluder) | (occluder & inside)


def _edges(vehicle: Mask, hidden_by: Mask) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """First and last vehicle row of every column (float (W,)); where ``hidden_by`` covers
    them, interpolated from the columns where it does not. Columns without vehicle: +inf, -inf
    (so that no row lies between them)."""
    height, width = vehicle.shape
    present: NDArray[np.bool_] = np.asarray(vehicle.any(axis=0))
    columns = np.arange(width)
    edges = []
    for edge in (np.argmax(vehicle, axis=0), height - 1 - np.argmax(vehicle[::-1], axis=0)):
        hidden = hidden_by[edge, columns] & present
        clean = _without_ends(present & ~hidden, present)
        value = edge.astype(np.float64)
        if clean.any() and hidden.any():
            value[hidden] = np.interp(columns[hidden], columns[clean], value[clean])
        edges.append(value)
    top, bottom = edges
    top[~present], bottom[~present] = np.inf, -np.inf
    return top, bottom


def _without_ends(clean: NDArray[np.bool_], present: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``clean`` without the columns within END_RUN of either end of ``present``'s span: a
    vehicle's rounded corner there would tilt the edge continued across the occluder."""
    out = clean.copy()
    span = np.nonzero(present)[0]
    if span.size:
        first, last = int(span[0]), int(span[-1])
        end = int(END_RUN * (last - first + 1))
        out[first : first + end] = False
        out[last + 1 - end : last + 1] = False
    return out


def fill_rows(rgb: RGBImage, hole: Mask, known: Mask) -> RGBImage:
    """``rgb`` (uint8 (H, W, 3)) with ``hole`` (bool (H, W)) painted from ``known`` (bool
    (H, W), the vehicle pixels to copy from), row by row.

    Each run of hole pixels on a row is a linear blend between the vehicle's colour left of it
    and right of it (``_fill_runs``). Rows with no known pixel are then painted the same way
    column by column, and what is still left by Telea's inpainting. The filled pixels
    finally take the median of SMOOTH_ROWS rows, so that single noisy samples make no
    streaks. Pixels outside ``hole`` are returned unchanged.
    """
    out = rgb.copy()
    if not hole.any():
        return out
    paint = rgb.astype(np.float32)
    left = hole.copy()
    for y in np.nonzero(hole.any(axis=1))[0]:
        left[y] = _fill_runs(paint[y], hole[y], known[y])
    if left.any():
        left &= _fill_columns(paint, left, known | (hole & ~left))
    if left.any():
        small = np.clip(np.rint(paint), 0, 255).astype(np.uint8)
        paint[left] = cv2.inpaint(small, left.astype(np.uint8), 5, cv2.INPAINT_TELEA)[left]
    ys = np.nonzero(hole.any(axis=1))[0]
    y0, y1 = int(ys[0]), int(ys[-1]) + 1
    smooth = median_filter(paint[y0:y1], size=(SMOOTH_ROWS, 1, 1), mode="nearest")
    region = hole[y0:y1]
    out[y0:y1][region] = np.clip(np.rint(smooth[region]), 0, 255).astype(np.uint8)
    return out


def _fill_columns(paint: NDArray[np.float32], hole: Mask, known: Mask) -> Mask:
    """``_fill_runs`` down the columns of ``paint`` (in place); the hole pixels still left."""
    left = hole.copy()
    for x in np.nonzero(hole.any(axis=0))[0]:
        left[:, x] = _fill_runs(paint[:, x], hole[:, x], known[:, x])  # a view: in place
    return left


def _fill_runs(line: NDArray[np.float32], hole: Mask, known: Mask) -> Mask:
    """Paint the runs of ``hole`` along one line of pixels (float32 (N, 3), in place) from the
    ``known`` pixels on it; returns the hole pixels that had no known pixel to use.

    Each side's colour is the median of the known pixels within the run's own length of it:
    the colour of the band there, not of a logo or wheel edge that happens to touch the run.
    A run blends from its left colour to its right one; with known pixels on one side only it
    takes that side's colour.
    """
    edges = np.diff(np.concatenate(([0], hole.astype(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    known_at = np.nonzero(known & ~hole)[0]
    left = np.zeros_like(hole)
    for start, end in zip(starts, ends, strict=True):
        reach = max(SAMPLE_WIDTH, int(end - start))
        before = known_at[(known_at < start) & (known_at >= start - reach)]
        after = known_at[(known_at >= end) & (known_at < end + reach)]
        if before.size == 0 and after.size == 0:
            left[start:end] = True
            continue
        a = np.median(line[before if before.size else after], axis=0)
        b = np.median(line[after], axis=0) if after.size else a
        t = (np.arange(start, end, dtype=np.float32) - start + 0.5) / (end - start)
        line[start:end] = a[None, :] * (1 - t[:, None]) + b[None, :] * t[:, None]
    return left
