"""Wheels at any angle: dark round regions that are ellipses become a tyre and a rim.

A wheel seen at an angle (a car in three-quarter view) or a motorcycle's wheel is an ellipse,
which the side-view circle search in :mod:`v2v.stages.stylize.wheels` does not take. Here, on
the flattened label map, each connected patch of dark neutral regions (tyre colours) is filled
(its holes are the rim and the hub), opened with discs of growing size (so a tyre joined to a
mudguard or a fork comes apart) and an ellipse is fitted to its outline. Only a confident fit
is drawn: the ellipse and the filled patch overlap by ELLIPSE_IOU, the ellipse is not too
flat, its size is a wheel's for the vehicle, it sits low on the vehicle with its bottom near
the vehicle's lowest point, and it shows a rim (see ``_has_rim``). It is drawn as a tyre (the
full ellipse, in the patch's colour) and a rim (an ellipse of the same centre and angle,
spanning the holes' hull). One painter, ``paint_wheels``, draws these and the side-view
circles (as ellipses of equal axes, ``from_circle``): the tyre, and the rim in the median of
the lighter half of the photo inside it, at least ``rim_contrast`` (L*) lighter than the tyre
(a designer draws a rim even where the photo's is in shadow). With ``wheel_rims`` a side-view
circle whose hub the photo does not show (a dark wheel, its rim in shade or only a thin bright
edge) gets a rim of RIM_DEFAULT of its radius all the same. Switches:
``phase2.flatten.angled_wheels``, ``wheel_rims``, ``rim_contrast``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from v2v.color.lch import chroma_of
from v2v.geometry import fill_holes, fill_holes_in_box
from v2v.stages.stylize.raster import Labels, Mask
from v2v.stages.stylize.wheels import (
    LOWEST_TOLERANCE,
    MAX_RADIUS,
    TYRE_CHROMA,
    TYRE_LIGHTNESS,
    Wheel,
)

#: A fit is confident when the ellipse and the filled patch overlap by this IoU, the short
#: axis is at least MIN_AXIS_RATIO of the long one, and the centre lies below LOW_SHARE of the
#: vehicle's height (from the top).
ELLIPSE_IOU, MIN_AXIS_RATIO, LOW_SHARE = 0.86, 0.3, 0.45
#: Its long semi-axis is at least MIN_WHEEL of the vehicle's height (small dark ovals are
#: pedals, lamps and shadows) and at most the side-view search's MAX_RADIUS.
MIN_WHEEL = 0.1
#: Rim size relative to the tyre: from the holes' share of the filled patch, within RIM_RANGE;
#: RIM_DEFAULT without holes. The rim is at least RIM_CONTRAST (L*) lighter than the tyre
#: (``phase2.flatten.rim_contrast``): CIEDE2000 weighs lightness differences near black
#: lightly, so a rim 25 L over a black tyre (L 30) is nearer black (ΔE00 20) than mid grey
#: (L 54, ΔE00 21) and the palette drew it black; 40 L over it is nearer the grey.
RIM_RANGE, RIM_DEFAULT, RIM_CONTRAST = (0.45, 0.85), 0.62, 40.0
#: A side-view wheel without a visible hub gets the default rim only when the vehicle reaches
#: END_CLEARANCE radii past it on both sides: a dark round end of the silhouette with no hub
#: is as likely a track's end (a tank seen from the front) as a wheel.
END_CLEARANCE = 0.5
#: Holes count as a rim from this share of the filled patch; without them, the photo inside
#: must be RIM_EVIDENCE (L*) lighter on average than the tyre ring.
MIN_HOLES, RIM_EVIDENCE = 0.1, 4.0
#: The dark patches (holes filled) are opened with discs of these shares of the vehicle's
#: height, so a tyre joined to a mudguard, a fork or the body's shadow comes apart from them.
OPENING_SHARES = (0.0, 0.05, 0.1, 0.15)


@dataclass(frozen=True)
class EllipseWheel:
    """A wheel in flattening-resolution pixels: centre, full axes (long, short), angle in
    degrees (OpenCV's convention), the rim's scale relative to the tyre, the tyre colour, and
    the rim colour when the finder chose it (a light tyre's painted rim), else None."""

    center: tuple[float, float]
    axes: tuple[float, float]
    angle: float
    rim_scale: float
    tyre: NDArray[np.float64]
    holes: float
    rim: NDArray[np.float64] | None = None


def ellipse_mask(shape: tuple[int, ...], wheel: EllipseWheel, scale: float = 1.0) -> Mask:
    canvas = np.zeros(shape[:2], np.uint8)
    axes = (max(1, round(wheel.axes[0] * scale / 2)), max(1, round(wheel.axes[1] * scale / 2)))
    center = (round(wheel.center[0]), round(wheel.center[1]))
    cv2.ellipse(canvas, center, axes, wheel.angle, 0, 360, 1, -1)
    return canvas.astype(bool)


Ellipse = tuple[tuple[float, float], tuple[float, float], float]


def fit_outline(filled: Mask) -> Ellipse | None:
    """``cv2.fitEllipse`` of a patch's largest outer outline: (centre, axes, angle), or None
    when the outline is too short or the ellipse thinner than MIN_AXIS_RATIO."""
    contours, _ = cv2.findContours(
        filled.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE
    )
    outline = max(contours, key=cv2.contourArea)
    if len(outline) < 5:
        return None
    (x, y), (first, second), angle = cv2.fitEllipse(outline)
    if min(first, second) < MIN_AXIS_RATIO * max(first, second):
        return None
    return (x, y), (first, second), angle


def fits(wheel: EllipseWheel, filled: Mask) -> bool:
    """Whether the wheel's drawn ellipse covers ``filled`` with IoU ≥ ELLIPSE_IOU."""
    drawn = ellipse_mask(filled.shape, wheel)
    union = float((drawn | filled).sum())
    return bool(union) and float((drawn & filled).sum()) / union >= ELLIPSE_IOU


def _fit(patch: Mask, colour: NDArray[np.float64]) -> EllipseWheel | None:
    """The ellipse of a filled patch's outline when it fits (IoU ≥ ELLIPSE_IOU), else None."""
    filled = fill_holes_in_box(patch)
    fitted = fit_outline(filled)
    if fitted is None:
        return None
    holes = float((filled & ~patch).sum()) / max(float(filled.sum()), 1.0)
    rim = RIM_DEFAULT
    if holes >= MIN_HOLES:  # the rim spans the holes' hull (spokes cross it)
        points = np.argwhere(filled & ~patch)[:, ::-1].astype(np.int32)
        hull = cv2.contourArea(cv2.convexHull(points)) / max(float(filled.sum()), 1.0)
        rim = float(np.clip(np.sqrt(hull), *RIM_RANGE))
    wheel = EllipseWheel(*fitted, rim, colour, holes)
    return wheel if fits(wheel, filled) else None


def _placed(wheel: EllipseWheel, patch: Mask, top: float, lowest: float) -> bool:
    """A wheel's size for the vehicle (between MIN_RADIUS and MAX_RADIUS of its height), low on
    it (centre below LOW_SHARE of its height) and standing near its lowest point."""
    height = lowest - top + 1
    radius = max(wheel.axes) / 2
    bottom = float(np.flatnonzero(patch.any(axis=1))[-1])
    low = wheel.center[1] >= top + LOW_SHARE * height
    grounded = bottom >= lowest - LOWEST_TOLERANCE * radius
    return low and grounded and MIN_WHEEL * height <= radius <= MAX_RADIUS * height


def _has_rim(wheel: EllipseWheel, lab: NDArray[np.float32], mask: Mask) -> bool:
    """Evidence of a rim: holes in the dark patch (a lighter rim or hub it encloses), or the
    photo's inner half (by axes) on average RIM_EVIDENCE lighter than its outer quarter. A
    tank's track seen from the front is a dark rounded patch too, but uniformly dark."""
    if wheel.holes >= MIN_HOLES:
        return True
    lightness = lab[..., 0]
    inner = ellipse_mask(mask.shape, wheel, 0.5) & mask
    ring = ellipse_mask(mask.shape, wheel) & ~ellipse_mask(mask.shape, wheel, 0.75) & mask
    if not inner.any() or not ring.any():
        return False
    return float(lightness[inner].mean()) >= float(lightness[ring].mean()) + RIM_EVIDENCE


def find_ellipse_wheels(
    labels: Labels,
    colors: NDArray[np.float64],
    lab: NDArray[np.float32],
    mask: Mask,
    circles: list[Wheel],
) -> list[EllipseWheel]:
    """Wheels seen at any angle in a flattened crop: ``labels`` (h, w) region ids (no -1),
    ``colors`` (n, 3) their CIELAB colours, ``lab`` (h, w, 3) the crop's CIELAB, ``mask`` the
    vehicle, ``circles`` the side-view wheels already found (their patches are skipped).
    Largest first."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    top, lowest = float(rows[0]), float(rows[-1])
    height = lowest - top + 1
    dark = (colors[:, 0] < TYRE_LIGHTNESS) & (chroma_of(colors) < TYRE_CHROMA)
    tyre = dark[labels] & mask
    yy, xx = np.ogrid[: mask.shape[0], : mask.shape[1]]
    for circle in circles:
        tyre &= np.hypot(xx - circle.x, yy - circle.y) > circle.radius
    smallest = np.pi * (MIN_WHEEL * height) ** 2 * MIN_AXIS_RATIO
    solid = fill_holes(tyre)
    wheels: list[EllipseWheel] = []
    taken = np.zeros_like(mask)
    for share in OPENING_SHARES:
        size = max(1, round(share * height)) | 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        opened = cv2.morphologyEx(solid.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)
        components, _ = ndimage.label(opened & ~taken)
        for index, box in enumerate(ndimage.find_objects(components), start=1):
            patch = components == index if box is not None else None
            if patch is None or float(patch.sum()) < smallest:
                continue
            wheel = _fit(patch & tyre, np.median(colors[labels[patch & tyre]], axis=0))
            if wheel is None or not _placed(wheel, patch, top, lowest):
                continue
            if not _has_rim(wheel, lab, mask):
                continue
            wheels.append(wheel)
            taken |= ellipse_mask(mask.shape, wheel)
    return sorted(wheels, key=lambda w: -max(w.axes))


def _inset(wheel: Wheel, mask: Mask) -> bool:
    """Whether the vehicle reaches at least END_CLEARANCE radii beyond the wheel on both sides,
    as a body does past its wheels (bumpers, overhangs)."""
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size == 0:
        return False
    clearance = END_CLEARANCE * wheel.radius
    return bool(
        wheel.x - wheel.radius - cols[0] >= clearance
        and cols[-1] - wheel.x - wheel.radius >= clearance
    )


def from_circle(
    wheel: Wheel, lab: NDArray[np.float32], mask: Mask, always_rim: bool = True
) -> EllipseWheel:
    """A side-view wheel found as a circle, as the ellipse it is (equal axes): its tyre takes
    the median colour of its outer ring (outside the hub, or 0.6 of the radius), its rim is
    the hub. With ``always_rim`` (``phase2.flatten.wheel_rims``) the rim is RIM_DEFAULT of the
    radius when the hub search found none and the wheel is inset (see ``_inset``), and the tyre
    of a wheel with a rim takes the median of the ring's darker half (as a spoked wheel's
    does): a dusty tyre's median, L 32, drew it grey like its rim. A wheel without a rim keeps
    the plain median (a dark-grey disc reads as a wheel where a black one is a blob)."""
    yy, xx = np.ogrid[: mask.shape[0], : mask.shape[1]]
    distance = np.hypot(xx - wheel.x, yy - wheel.y)
    inside = max(wheel.hub_radius, 0.6 * wheel.radius)
    ring = (distance < wheel.radius) & (distance >= inside) & mask
    diameter = 2.0 * wheel.radius
    rim = wheel.hub_radius / wheel.radius if wheel.radius > 0 else 0.0
    if rim <= 0 and always_rim and _inset(wheel, mask):
        rim = RIM_DEFAULT
    rubber = lab[ring] if ring.any() else np.zeros((1, 3), np.float32)
    if always_rim and rim > 0:  # the rubber beside the rim, not the rim's edge or dust
        rubber = rubber[rubber[:, 0] <= np.median(rubber[:, 0])]
    tyre = np.median(rubber, axis=0)
    return EllipseWheel(
        (wheel.x, wheel.y), (diameter, diameter), 0.0, rim, tyre.astype(np.float64), 0.0
    )


def paint_wheels(
    labels: Labels,
    colors: NDArray[np.float64],
    lab: NDArray[np.float32],
    mask: Mask,
    wheels: list[EllipseWheel],
    rim_contrast: float = RIM_CONTRAST,
) -> tuple[Labels, NDArray[np.float64]]:
    """Draw each wheel, at any angle (a side-view circle is an ellipse of equal axes), into
    ``labels`` as a tyre ellipse and, when it has one (``rim_scale`` > 0), a rim ellipse: new
    regions appended to ``colors``. The rim takes the median of the lighter half of ``lab``
    inside it (the metal, not the gaps between spokes), lifted to at least ``rim_contrast``
    lighter than the tyre and made neutral when that is needed; a wheel whose finder chose
    its rim colour (``EllipseWheel.rim``) keeps it."""
    labels = labels.copy()
    added: list[NDArray[np.float64]] = []
    for wheel in wheels:
        tyre = ellipse_mask(mask.shape, wheel) & mask
        if not tyre.any():
            continue
        added.append(wheel.tyre.astype(np.float64))
        labels[tyre] = len(colors) + len(added) - 1
        if wheel.rim_scale <= 0:
            continue
        rim = ellipse_mask(mask.shape, wheel, wheel.rim_scale) & mask
        if not rim.any():
            continue
        if wheel.rim is not None:
            added.append(wheel.rim.astype(np.float64))
            labels[rim] = len(colors) + len(added) - 1
            continue
        metal = lab[rim]
        metal = metal[metal[:, 0] >= np.median(metal[:, 0])]
        rim_colour = np.median(metal, axis=0).astype(np.float64)
        if rim_colour[0] < wheel.tyre[0] + rim_contrast:
            rim_colour = np.array([min(100.0, wheel.tyre[0] + rim_contrast), 0.0, 0.0])
        added.append(rim_colour)
        labels[rim] = len(colors) + len(added) - 1
    if not added:
        return labels, colors
    return labels, np.concatenate([colors, np.array(added)])
