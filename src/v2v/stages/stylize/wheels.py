"""Round wheels: find side-view wheels (drawn by :func:`v2v.stages.stylize.ellipses.paint_wheels`).

Circles from a Hough gradient transform give wheel centres (often the transform finds the
hub or the rim rather than the tyre). Around each centre a radial profile of "tyre pixels"
(dark, neutral, inside the vehicle) gives the tyre's inner and outer radius. A wheel must
show a full dark ring (not hidden behind bodywork), stand on the silhouette's bottom, sit
near the vehicle's lowest point, and not overlap another wheel. Its hub is everything inside
the tyre when that is lighter. When the circle found is the rim, the profile's first dark run
is the hub inside it; the tyre is then the first run past the rim's light ring that has a
tyre's size and stands on the ground (``phase2.flatten.tyre_past_rim``: a truck's dark wheel,
its tyre joined to a black chassis band, with a thin bright rim edge). Wheels seen at an
angle are ellipses; they fail the ring test and are left to
:mod:`v2v.stages.stylize.ellipses`, whose painter draws both kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.color.lch import chroma_of
from v2v.stages.stylize.raster import Mask

Circle = tuple[float, float, float]

#: Wheel radius range as a fraction of the vehicle's height; Hough also looks for hubs down
#: to MIN_RADIUS / HUB_SCALE.
MIN_RADIUS, MAX_RADIUS, HUB_SCALE = 0.07, 0.45, 3.5
#: Hough gradient (ALT) settings: Canny high threshold and circle "perfectness" (0..1).
CANNY_HIGH, PERFECTNESS = 150, 0.7
#: Tyre pixels: darker than TYRE_LIGHTNESS (L*), less colourful than TYRE_CHROMA.
TYRE_LIGHTNESS, TYRE_CHROMA = 45.0, 15.0
#: A radius belongs to the tyre when this share of its ring is tyre pixels; the tyre is at
#: least MIN_TYRE_WIDTH of the radius wide.
RING_SHARE, MIN_TYRE_WIDTH = 0.7, 0.15
#: The silhouette's bottom under the centre lies between these multiples of the radius, and
#: the wheel's bottom within LOWEST_TOLERANCE radii of the vehicle's lowest point.
GROUND_RANGE, LOWEST_TOLERANCE = (0.75, 1.15), 0.5
#: The hub ends where the radial profile is no longer HUB_EDGE (L*) lighter than the tyre,
#: at most TYRE_INNER of the radius out; it is kept when its disc is on average HUB_CONTRAST
#: lighter than the tyre.
HUB_EDGE, HUB_CONTRAST, TYRE_INNER = 6.0, 8.0, 0.85


@dataclass(frozen=True)
class Wheel:
    """A wheel in flattening-resolution pixels: centre, tyre radius, hub radius (0 = none)."""

    x: float
    y: float
    radius: float
    hub_radius: float


@dataclass(frozen=True)
class _Profile:
    """Per integer radius r around a centre: share of tyre pixels and mean L* on the ring."""

    tyre_share: NDArray[np.float64]
    lightness: NDArray[np.float64]


def _profile(tyre: Mask, lightness: NDArray[np.float32], x: float, y: float, r: int) -> _Profile:
    height, width = tyre.shape
    y0, y1 = max(0, int(y) - r), min(height, int(y) + r + 1)
    x0, x1 = max(0, int(x) - r), min(width, int(x) + r + 1)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    distance = np.rint(np.hypot(xx - x, yy - y)).astype(np.int64).ravel()
    counts = np.maximum(np.bincount(distance, minlength=r + 1)[: r + 1], 1)
    share = np.bincount(distance, tyre[y0:y1, x0:x1].ravel(), minlength=r + 1)[: r + 1]
    light = np.bincount(distance, lightness[y0:y1, x0:x1].ravel(), minlength=r + 1)[: r + 1]
    return _Profile(share / counts, light / counts)


def _tyre_bands(profile: _Profile, start: int) -> list[tuple[int, int]]:
    """(inner, outer) radii of the runs of tyre rings at or beyond ``start``, inner first."""
    is_tyre = np.concatenate([profile.tyre_share[start:] >= RING_SHARE, [False]])
    edges = np.flatnonzero(np.diff(np.concatenate([[False], is_tyre]).astype(np.int8)))
    return [(start + int(a), start + int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _hub_radius(lightness: NDArray[np.float64], outer: int) -> float:
    """Outer radius of the lighter hub from the radial lightness profile (0..outer), or 0:
    the outermost radius inside the tyre still HUB_EDGE lighter than the tyre, when the disc
    within it is on average HUB_CONTRAST lighter."""
    tyre = float(np.median(lightness[int(0.75 * outer) : outer]))
    lighter = np.flatnonzero(lightness[: int(TYRE_INNER * outer)] >= tyre + HUB_EDGE)
    if lighter.size == 0 or lighter[-1] < 2:
        return 0.0
    hub = int(lighter[-1]) + 1
    mean = float(np.average(lightness[1:hub], weights=np.arange(1, hub)))
    return float(hub) if mean >= tyre + HUB_CONTRAST else 0.0


def _ground(mask: Mask, x: float, y: float) -> float:
    """Distance (px) from (x, y) down to the silhouette's bottom in that column, 0 if none."""
    column = mask[int(y) :, min(mask.shape[1] - 1, max(0, int(x)))]
    return float(np.flatnonzero(column)[-1]) if column.any() else 0.0


def _measure(
    tyre: Mask,
    lightness: NDArray[np.float32],
    mask: Mask,
    found: tuple[float, float, float],
    radius_range: tuple[float, float],
    past_rim: bool,
) -> Wheel | None:
    """The wheel centred on the Hough circle ``found`` (x, y, r), or None: the first run of
    tyre rings (with ``past_rim``, the first that fits a tyre: a wheel's size, standing on
    the ground) beyond half the found radius."""
    x, y, found_radius = found
    ground = _ground(mask, x, y)
    if not GROUND_RANGE[0] * found_radius <= ground <= GROUND_RANGE[1] * radius_range[1]:
        return None  # not standing on the ground: skip the radial profile
    limit = int(min(HUB_SCALE * found_radius, radius_range[1])) + 2
    profile = _profile(tyre, lightness, x, y, limit)
    bands = _tyre_bands(profile, max(1, int(0.5 * found_radius)))
    for inner, outer in bands if past_rim else bands[:1]:
        radius = float(outer)
        sized = radius_range[0] <= radius <= radius_range[1]
        wide = outer - inner >= MIN_TYRE_WIDTH * radius
        if sized and wide and GROUND_RANGE[0] * radius <= ground <= GROUND_RANGE[1] * radius:
            return Wheel(x, y, radius, _hub_radius(profile.lightness, outer))
    return None


def hough_circles(
    lightness: NDArray[np.float32], radius_range: tuple[float, float]
) -> list[Circle]:
    """Hough circles (x, y, r) of tyres and hubs, searched at half size (for speed)."""
    smallest = max(2, round(radius_range[0] / HUB_SCALE / 2))
    gray = np.clip(lightness * 2.55, 0, 255).astype(np.uint8)
    half = cv2.resize(gray, (max(1, gray.shape[1] // 2), max(1, gray.shape[0] // 2)),
                      interpolation=cv2.INTER_AREA)  # fmt: skip
    circles = cv2.HoughCircles(
        cv2.medianBlur(half, 3), cv2.HOUGH_GRADIENT_ALT, 1.0, minDist=smallest,
        param1=CANNY_HIGH, param2=PERFECTNESS, minRadius=smallest,
        maxRadius=max(smallest + 1, round(radius_range[1] / 2)),
    )  # fmt: skip
    if circles is None:
        return []
    return [(2 * x + 0.5, 2 * y + 0.5, 2 * r) for x, y, r in circles[0].tolist()]


def find_wheels(lab: NDArray[np.float32], mask: Mask, past_rim: bool = True) -> list[Wheel]:
    """Side-view wheels in a vehicle crop: ``lab`` float32 (h, w, 3) CIELAB of the flattened
    crop, ``mask`` bool (h, w) the vehicle; ``past_rim``: the tyre may be a later run of dark
    rings than the first (``phase2.flatten.tyre_past_rim``). Returns wheels largest first."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    lowest, height = float(rows[-1]), float(rows[-1] - rows[0] + 1)
    radius_range = (MIN_RADIUS * height, MAX_RADIUS * height)
    tyre = mask & (lab[..., 0] < TYRE_LIGHTNESS) & (chroma_of(lab) < TYRE_CHROMA)
    wheels: list[Wheel] = []
    for x, y, r in hough_circles(lab[..., 0], radius_range):
        if any(np.hypot(x - w.x, y - w.y) < w.radius for w in wheels):
            continue
        wheel = _measure(tyre, lab[..., 0], mask, (x, y, r), radius_range, past_rim)
        if wheel is None or wheel.y + wheel.radius < lowest - LOWEST_TOLERANCE * wheel.radius:
            continue
        if all(np.hypot(wheel.x - w.x, wheel.y - w.y) >= 0.9 * (wheel.radius + w.radius)
               for w in wheels):  # fmt: skip
            wheels.append(wheel)
    return sorted(wheels, key=lambda w: -w.radius)
