"""Spoked and thin wheels: a bicycle's or a lowrider's wheel becomes one tyre ring and one rim.

A spoked wheel shows the background between its spokes, so the flattened drawing fills it
with a mosaic of the rim's metal, the spokes' glare and the ground seen through them, and its
thin tyre fails the dark-ring test of :mod:`v2v.stages.stylize.wheels`. What marks it instead
is where it stands: a disc the vehicle's mask fills, seen from the side, standing free of the
rest of the vehicle (the background surrounds most of its lower half, and much of the ring
just outside it; a car's wheel sits in its body) and near the vehicle's lowest point. Circle
candidates come from the same Hough search as the side-view wheels, refitted to the
silhouette. A designer draws such a wheel as two shapes: a tyre ring (the dark band at its
edge, in the darker half of the photo's colours on it) and the inside in one colour the
wheel's drawing already has (its most colourful sizeable region, see RIM_SHARE). Painted
parts crossing it (a frame tube, a chain guard: chromatic regions mostly outside the disc)
stay on top. Switch: ``phase2.flatten.spoked_wheels``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from v2v.color.lch import chroma_of
from v2v.stages.stylize.ellipses import MIN_WHEEL, EllipseWheel
from v2v.stages.stylize.raster import Labels, Mask
from v2v.stages.stylize.regions import PAINT_CHROMA
from v2v.stages.stylize.wheels import LOWEST_TOLERANCE, MAX_RADIUS, TYRE_LIGHTNESS, hough_circles

#: The mask fills at least DISC_FILL of the disc (to 0.95 of the radius); the background holds
#: at least OPEN_RING of the ring just outside it (1.08 to 1.25 radii) and OPEN_BELOW of that
#: ring's lower half.
DISC_FILL, OPEN_RING, OPEN_BELOW = 0.85, 0.4, 0.6
RING_RANGE = (1.08, 1.25)
#: The circle is refitted to the silhouette: centre moved by up to FIT_SHIFT of the radius,
#: radius 0.9 to MAX_GROWTH times (see ``_fit``).
FIT_SHIFT, MAX_GROWTH = 0.1, 1.3
#: The tyre is the dark (L* < TYRE_LIGHTNESS) band at the edge, TYRE_WIDTH of the radius wide
#: at least and at most (TYRE_WIDTH[0] when the tyre is light, as a child's grey tyre is).
TYRE_WIDTH = (0.08, 0.2)
#: The rim takes the most colourful region holding at least RIM_SHARE of it: the spokes'
#: metal (gold, chrome) shows in its most saturated part; the ground seen between the spokes
#: washes it out, as glare does paint.
RIM_SHARE = 0.15
#: With ``spoked_rim_pixels`` the rim's colour is instead the median of the most colourful
#: RIM_PIXEL_SHARE of the photo's pixels it repaints: the same statistic however the flattening
#: cut the spokes into regions (the gold split into two regions under RIM_SHARE each, or
#: blended into a washed-out one, drew the disc grey after a redraw at another scale).
RIM_PIXEL_SHARE = 0.3
#: A chromatic region crossing the wheel keeps its pixels when under this share of its area
#: lies inside the rim (a frame tube, a chain guard).
CROSSING_SHARE = 0.35


@dataclass(frozen=True)
class SpokedWheel:
    """A wheel in flattening-resolution pixels: centre and radius."""

    x: float
    y: float
    radius: float


def _distance(shape: tuple[int, ...], x: float, y: float) -> NDArray[np.float64]:
    yy, xx = np.ogrid[: shape[0], : shape[1]]
    return np.asarray(np.hypot(xx - x, yy - y), np.float64)


def _stands_free(mask: Mask, wheel: SpokedWheel) -> bool:
    """Whether the mask fills the disc and the background surrounds it (see DISC_FILL)."""
    distance = _distance(mask.shape, wheel.x, wheel.y)
    disc = distance <= 0.95 * wheel.radius
    ring = (distance >= RING_RANGE[0] * wheel.radius) & (distance <= RING_RANGE[1] * wheel.radius)
    rows = np.arange(mask.shape[0])[:, None]
    below = ring & (rows > wheel.y)
    if not disc.any() or not ring.any() or not below.any():
        return False
    return (
        float(mask[disc].mean()) >= DISC_FILL
        and 1.0 - float(mask[ring].mean()) >= OPEN_RING
        and 1.0 - float(mask[below].mean()) >= OPEN_BELOW
    )


def _fit(mask: Mask, x: float, y: float, radius: float) -> SpokedWheel:
    """The circle near the Hough one (centre within FIT_SHIFT radii, radius 0.9 to MAX_GROWTH
    times) whose outline best follows the silhouette: the mask just inside its whole outline,
    the background just outside its lower arc (the Hough circle often follows the rim). Every
    centre is scored at once per radius; ties go to the first in (dx, dy, radius) order."""
    reach = max(1, round(FIT_SHIFT * radius))
    shifts = np.arange(-reach, reach + 1)
    cx = np.repeat(x + shifts, shifts.size)[:, None]  # (dx, dy) pairs, dx outer
    cy = np.tile(y + shifts, shifts.size)[:, None]
    radii = np.arange(0.9 * radius, MAX_GROWTH * radius, 1.0)
    whole = np.radians(np.linspace(0.0, 360.0, 72))
    lower = np.radians(np.linspace(20.0, 160.0, 72))
    scores = np.empty((cx.shape[0], radii.size))
    for i, grown in enumerate(radii):
        r = float(grown)
        inside = _arcs(mask, cx, cy, r - 2.0, whole).mean(axis=1)
        outside = 1.0 - _arcs(mask, cx, cy, r + 2.0, lower).mean(axis=1)
        scores[:, i] = inside + outside
    if scores.size == 0:
        return SpokedWheel(x, y, radius)
    pair, best = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return SpokedWheel(float(cx[pair, 0]), float(cy[pair, 0]), float(radii[best]))


def _arcs(
    mask: Mask,
    cx: NDArray[np.float64],
    cy: NDArray[np.float64],
    radius: float,
    angles: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """The mask's values on arcs of circles centred at ``cx``, ``cy`` (n, 1): bool (n, 72)."""
    cols = np.clip(np.rint(cx + radius * np.cos(angles)).astype(int), 0, mask.shape[1] - 1)
    rows = np.clip(np.rint(cy + radius * np.sin(angles)).astype(int), 0, mask.shape[0] - 1)
    return np.asarray(mask[rows, cols], bool)


def find_spoked_wheels(
    lab: NDArray[np.float32], mask: Mask, taken: list[EllipseWheel], refit: bool = True
) -> list[SpokedWheel]:
    """Side-view wheels that stand free of the vehicle in a flattened crop: ``lab`` float32
    (h, w, 3) CIELAB, ``mask`` bool (h, w) the vehicle, ``taken`` the wheels already found
    (a candidate overlapping one is skipped). With ``refit`` (``phase2.flatten.spoked_refit``)
    a candidate also stands free when its circle refitted to the silhouette does: the Hough
    circle often follows the rim, and the ring just outside it then lies partly on the tyre,
    open or not by a pixel of radius (a lowrider's rear wheel, 37 % open at one working scale
    and 45 % at another); such wheels are added after those the Hough circles pass, so they
    never displace one (a refitted off-centre circle took the Berkeley lowrider's front wheel
    when judged in the same pass). Largest first."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    lowest, height = float(rows[-1]), float(rows[-1] - rows[0] + 1)
    radius_range = (MIN_WHEEL * height, MAX_RADIUS * height)
    found: list[SpokedWheel] = []
    others = [(w.center[0], w.center[1], max(w.axes) / 2) for w in taken]
    candidates = [
        (x, y, radius)
        for x, y, radius in hough_circles(lab[..., 0], radius_range)
        if radius >= radius_range[0] and y + radius >= lowest - LOWEST_TOLERANCE * radius
    ]
    for refitted in (False, True) if refit else (False,):  # the refit only adds wheels
        for x, y, radius in candidates:
            near = others + [(w.x, w.y, w.radius) for w in found]
            if any(np.hypot(x - ox, y - oy) < 0.9 * (radius + r) for ox, oy, r in near):
                continue
            fitted = _fit(mask, x, y, radius)
            if _stands_free(mask, fitted if refitted else SpokedWheel(x, y, radius)):
                found.append(fitted)
    return sorted(found, key=lambda w: -w.radius)


def _rim_label(labels: Labels, rim: Mask, colors: NDArray[np.float64]) -> tuple[int, Mask]:
    """The label the rim takes (see RIM_SHARE) and the rim pixels it repaints:
    all but those of chromatic regions that mostly lie outside it (parts crossing it)."""
    inside = np.bincount(labels[rim], minlength=len(colors))
    sizeable = np.flatnonzero(inside >= RIM_SHARE * inside.sum())
    if sizeable.size == 0:
        sizeable = np.array([int(np.argmax(inside))])
    rim_label = int(sizeable[np.argmax(chroma_of(colors[sizeable]))])
    total = np.bincount(labels[labels >= 0], minlength=len(colors))
    share = inside / np.maximum(total, 1)
    crossing = (chroma_of(colors) >= PAINT_CHROMA) & (share < CROSSING_SHARE)
    crossing[rim_label] = False
    return rim_label, rim & ~crossing[np.maximum(labels, 0)]


def _rim_colour(pixels: NDArray[np.float32]) -> NDArray[np.float64]:
    """Median (3,) of the most colourful RIM_PIXEL_SHARE of ``pixels`` (n, 3) Lab."""
    colour = chroma_of(pixels)
    vivid = pixels[colour >= np.quantile(colour, 1.0 - RIM_PIXEL_SHARE)]
    return np.asarray(np.median(vivid, axis=0), np.float64)


def _tyre_width(
    lab: NDArray[np.float32], mask: Mask, wheel: SpokedWheel, distance: NDArray[np.float64]
) -> float:
    """Width of the dark band at the wheel's edge, within TYRE_WIDTH of the radius."""
    low, high = (share * wheel.radius for share in TYRE_WIDTH)
    width = low
    dark = lab[..., 0] < TYRE_LIGHTNESS
    for step in np.arange(low, high, 1.0):
        ring = mask & (np.abs(distance - (wheel.radius - step)) < 0.5)
        if not ring.any() or float(dark[ring].mean()) < 0.5:
            break
        width = float(step) + 1.0
    return width


def paint_spoked_wheels(
    labels: Labels,
    colors: NDArray[np.float64],
    lab: NDArray[np.float32],
    mask: Mask,
    wheels: list[SpokedWheel],
    rim_pixels: bool = True,
) -> tuple[Labels, NDArray[np.float64]]:
    """Draw each wheel into ``labels`` (h, w) int32 (no -1 inside ``mask``): the tyre ring
    (see ``_tyre_width``) becomes a new region (the median of the darker half of ``lab`` on
    it, appended to ``colors``), the disc inside it the region chosen by ``_rim_label``
    (crossing parts kept), or with ``rim_pixels`` (``phase2.flatten.spoked_rim_pixels``) a
    new region in the colour of its most colourful pixels (see RIM_PIXEL_SHARE)."""
    labels = labels.copy()
    for wheel in wheels:
        distance = _distance(mask.shape, wheel.x, wheel.y)
        inner = wheel.radius - _tyre_width(lab, mask, wheel, distance)
        ring = (distance <= wheel.radius) & (distance > inner) & mask
        rim = (distance <= inner) & mask
        if not ring.any() or not rim.any():
            continue
        rim_label, repaint = _rim_label(labels, rim, colors)
        if rim_pixels and repaint.any():
            colors = np.concatenate([colors, _rim_colour(lab[repaint])[None]])
            rim_label = len(colors) - 1
        labels[repaint] = rim_label
        rubber = lab[ring]
        rubber = rubber[rubber[:, 0] <= np.median(rubber[:, 0])]
        colors = np.concatenate([colors, np.median(rubber, axis=0)[None].astype(np.float64)])
        labels[ring] = len(colors) - 1
    return labels, colors
