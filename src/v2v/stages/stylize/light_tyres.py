"""Light tyres at any angle: grey rings around a coloured rim become a tyre and a rim.

:mod:`v2v.stages.stylize.ellipses` takes dark tyres (L* under TYRE_LIGHTNESS). A child's
tricycle has light grey tyres (L* 55-70) around a painted rim, with white glare along them;
phase II cut such a tyre into grey, light grey and white pieces, and the fender or the frame
in front of it leaves the ring open, so filling its holes does not find the rim. Here each
connected patch of neutral regions (chroma under TYRE_CHROMA, any lightness: the glare is
part of the tyre), opened with discs of growing size as for dark tyres, is closed by its
convex hull and an ellipse is fitted to that. It is a tyre when the ellipse fits the hull
(IoU ≥ ELLIPSE_IOU), the patch covers BAND_SHARE of the ellipse's outer band (a ring, not a
neutral panel), the inside (within INNER_SCALE) is at least RIM_SHARE not neutral (a painted
rim: a white seat or a grey panel is neutral throughout; so are RIM_SHARE of the photo's pixels
between ANNULUS_SCALE and INNER_SCALE: a chrome rim crossed by a pink fork is not painted),
it is of a wheel's size, low on the
vehicle, and it stands on the silhouette: below its bottom the vehicle reaches at most
STAND_GAP of its long semi-axis (a tricycle's rear wheels stand higher in the picture than
its front wheel, so "near the vehicle's lowest point" does not hold for them), and the vehicle
does not reach LOWEST_TOLERANCE of it lower on both sides (a motorcycle's chrome engine cover
between its wheels has nothing below it either). A patch whose
median is darker than TYRE_LIGHTNESS is left to the dark searches (a tank's track beside its
yellow camouflage passes the ring test), and so are wheels they or the spoked search found,
and patches the crop's edge cuts (the hull's straight edge would shape the ellipse).
Switch:
``phase2.flatten.light_tyres``.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from v2v.color.lch import chroma_of
from v2v.stages.stylize.ellipses import (
    LOW_SHARE,
    MIN_AXIS_RATIO,
    MIN_WHEEL,
    OPENING_SHARES,
    RIM_DEFAULT,
    EllipseWheel,
    ellipse_mask,
    fit_outline,
    fits,
)
from v2v.stages.stylize.raster import Labels, Mask
from v2v.stages.stylize.spokes import SpokedWheel
from v2v.stages.stylize.wheels import LOWEST_TOLERANCE, MAX_RADIUS, TYRE_CHROMA, TYRE_LIGHTNESS

#: The patch covers this share of the ellipse's outer band (from BAND_SCALE of the axes out).
BAND_SHARE, BAND_SCALE = 0.55, 0.8
#: Inside INNER_SCALE of the axes at least RIM_SHARE of the vehicle is not neutral.
RIM_SHARE, INNER_SCALE = 0.2, 0.6
#: ... and so are at least RIM_SHARE of the photo's pixels between ANNULUS_SCALE and
#: INNER_SCALE of the axes (the regions' colours alone take a chrome rim merged with the
#: coloured fork and hub crossing it for a painted rim).
ANNULUS_SCALE = 0.35
#: Below the ellipse's bottom (in the middle third of its width) the vehicle reaches at most
#: this share of the long semi-axis.
STAND_GAP = 0.15
#: ... and the vehicle (slivers thinner than STAND_GAP of it, a shadow's edge, aside) does not
#: reach LOWEST_TOLERANCE of it below its bottom within STAND_WINDOW of it on both sides.
STAND_WINDOW = 3.0


def _hull(patch: Mask) -> Mask:
    points = np.argwhere(patch)[:, ::-1].astype(np.int32)
    canvas = np.zeros(patch.shape, np.uint8)
    cv2.fillConvexPoly(canvas, cv2.convexHull(points), 1)
    return canvas.astype(bool)


def _standing(wheel: EllipseWheel, mask: Mask) -> bool:
    """The vehicle reaches at most STAND_GAP of the long semi-axis below the ellipse, and not
    LOWEST_TOLERANCE of it below on both sides (within STAND_WINDOW of it)."""
    drawn = ellipse_mask(mask.shape, wheel)
    cols = np.flatnonzero(drawn.any(axis=0))
    if cols.size == 0:
        return False
    third = (cols[-1] - cols[0] + 1) / 3.0
    middle = slice(int(cols[0] + third), max(int(cols[0] + third) + 1, int(cols[-1] - third) + 1))
    bottom = int(np.flatnonzero(drawn[:, middle].any(axis=1))[-1])
    below = mask[bottom + 1 :, middle]
    reach = int(np.flatnonzero(below.any(axis=1))[-1]) + 1 if below.any() else 0
    radius = max(wheel.axes) / 2
    if reach > STAND_GAP * radius:
        return False
    # nothing below between a motorcycle's wheels either: there the vehicle reaches lower on
    # both sides (a tricycle's rear wheel has its front wheel lower on one side only)
    size = max(1, round(STAND_GAP * radius)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    solid = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)
    half = round(STAND_WINDOW * radius)
    floor = bottom + LOWEST_TOLERANCE * radius
    sides = (
        solid[:, max(0, cols[0] - half) : cols[0]],
        solid[:, cols[-1] + 1 : cols[-1] + 1 + half],
    )
    return not all(side.any() and np.flatnonzero(side.any(axis=1))[-1] > floor for side in sides)


def _ring(
    patch: Mask,
    neutral: Mask,
    mask: Mask,
    labels: Labels,
    colors: NDArray[np.float64],
    lab: NDArray[np.float32],
) -> EllipseWheel | None:
    """The wheel of a neutral patch when it is a ring around a coloured rim, else None: the
    tyre in the patch's median colour, the rim (RIM_DEFAULT of the axes) in the median colour
    of the coloured regions inside."""
    hull = _hull(patch)
    fitted = fit_outline(hull)
    if fitted is None:
        return None
    inner_wheel = EllipseWheel(*fitted, RIM_DEFAULT, colors[0], 0.0)
    if not fits(inner_wheel, hull):
        return None
    drawn = ellipse_mask(mask.shape, inner_wheel)
    band = drawn & ~ellipse_mask(mask.shape, inner_wheel, BAND_SCALE) & mask
    inner = ellipse_mask(mask.shape, inner_wheel, INNER_SCALE) & mask
    if not band.any() or not inner.any():
        return None
    if float((band & patch).sum()) / float(band.sum()) < BAND_SHARE:
        return None
    painted = inner & ~neutral
    annulus = inner & ~ellipse_mask(mask.shape, inner_wheel, ANNULUS_SCALE)
    vivid = np.hypot(lab[..., 1], lab[..., 2]) >= TYRE_CHROMA
    if float((annulus & vivid).sum()) < RIM_SHARE * float(annulus.sum()):
        return None  # a chrome rim that flattening merged with the fork and hub crossing it
    if float(painted.sum()) / float(inner.sum()) < RIM_SHARE:
        return None
    tyre = np.median(colors[labels[patch]], axis=0)
    if tyre[0] < TYRE_LIGHTNESS:  # a dark patch: a track's end, not a light tyre
        return None
    rim = np.median(colors[labels[painted]], axis=0)
    return replace(inner_wheel, tyre=tyre, rim=rim)


def wheel_pixels(mask: Mask, wheels: list[EllipseWheel], spoked: list[SpokedWheel]) -> Mask:
    """The pixels the wheels found by the other searches cover (no light tyre is searched
    there: a lowrider's spoked wheel with a pale tyre stays one gold disc with a black tyre)."""
    covered = np.zeros_like(mask)
    for wheel in wheels:
        covered |= ellipse_mask(mask.shape, wheel)
    yy, xx = np.ogrid[: mask.shape[0], : mask.shape[1]]
    for disc in spoked:
        covered |= np.hypot(xx - disc.x, yy - disc.y) <= disc.radius
    return covered


def find_light_tyres(
    labels: Labels,
    colors: NDArray[np.float64],
    lab: NDArray[np.float32],
    mask: Mask,
    taken: Mask,
) -> list[EllipseWheel]:
    """Light tyres in a flattened crop: ``labels`` (h, w) region ids, ``colors`` (n, 3) their
    CIELAB colours, ``lab`` the photo in CIELAB, ``mask`` the vehicle, ``taken`` pixels of
    wheels already found."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return []
    top, lowest = float(rows[0]), float(rows[-1])
    height = lowest - top + 1
    neutral = (chroma_of(colors) < TYRE_CHROMA)[labels] & mask
    smallest = np.pi * (MIN_WHEEL * height) ** 2 * MIN_AXIS_RATIO
    # a patch the other searches' wheels cut is their remainder (a chainring beside a
    # lowrider's spoked wheel), not a tyre
    beside = ndimage.binary_dilation(taken, iterations=2)
    # a patch the crop's edge (the photo's) cuts is fitted with its straight edge: no tyre
    border = np.ones_like(mask)
    border[1:-1, 1:-1] = False
    beside |= border
    taken = taken.copy()
    wheels: list[EllipseWheel] = []
    for share in OPENING_SHARES:
        size = max(1, round(share * height)) | 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        opened = cv2.morphologyEx(neutral.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)
        components, count = ndimage.label(opened & ~taken)
        for index in range(1, count + 1):
            patch = components == index
            if float(patch.sum()) < smallest or (patch & beside).any():
                continue
            wheel = _ring(patch, neutral, mask, labels, colors, lab)
            if wheel is None:
                continue
            radius = max(wheel.axes) / 2
            sized = MIN_WHEEL * height <= radius <= MAX_RADIUS * height
            low = wheel.center[1] >= top + LOW_SHARE * height
            if not (sized and low and _standing(wheel, mask)):
                continue
            wheels.append(wheel)
            taken |= ellipse_mask(mask.shape, wheel)
    return wheels
