"""From detected text lines to the regions phase I removes: text, and whole licence plates.

A text line is removed when it lies on or next to the vehicle. When the text sits on a bright
(white or yellow) rectangle whose proportions are those of a plate, the whole rectangle is
removed and the removal is reported as a ``licence_plate``; otherwise as ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, Mask, Removal, RGBImage
from v2v.stages.sanitize.text import TextBox

NEAR_VEHICLE = 0.02  # text within this fraction of the image diagonal of the vehicle counts
MIN_ON_VEHICLE = 0.5  # share of a text box that must lie on the (grown) vehicle mask
PLATE_ASPECT = (1.4, 6.5)  # width / height of plates (US ≈ 2, EU/UK ≈ 4.7)
PLATE_MAX_HEIGHT = 3.2  # a plate is at most this many text heights tall
PLATE_MIN_FILL = 0.7  # share of the plate's bounding box that is plate background
PLATE_MIN_INSIDE = 0.45  # share of the text box itself that is plate background (dark text)
TEXT_MIN_ASPECT = 1.5  # a box read as fewer than two characters must be this elongated
#: ...and at most this share of the vehicle's height: lettering is a band on a panel, and an
#: unread "line" as tall as half the vehicle is the detector seeing a smooth gradient (a whole
#: fuselage was inpainted with sky once)
UNREAD_MAX_HEIGHT = 0.4
#: No box taller than the vehicle is lettering on it, read or not: the detector saw the whole
#: vehicle as one line (a lowrider bicycle's spoked wheels read as "GQ" or "OTO" at low
#: confidence, and inpainting the box erased the bicycle, drawn as one grey silhouette)
READ_MAX_HEIGHT = 1.0


@dataclass(frozen=True)
class Region:
    """One thing to remove: what it is (for the report) and its pixels (bool (H, W))."""

    removal: Removal
    pixels: Mask


def looks_like_text(found: TextBox, vehicle_height: int | None = None) -> bool:
    """False for blobs the detector takes for a single glyph (a wheel read as 'O') or for a
    line: a box is text when it was read as two or more letters/digits, or is elongated like
    a text line and (given ``vehicle_height``, px) at most UNREAD_MAX_HEIGHT of it tall. Given
    ``vehicle_height``, no box more than READ_MAX_HEIGHT of it tall is text, read or not."""
    b = found.box
    height = b.y1 - b.y0
    if vehicle_height is not None and height > READ_MAX_HEIGHT * vehicle_height:
        return False
    if sum(ch.isalnum() for ch in found.text) >= 2:
        return True
    tall = vehicle_height is not None and height > UNREAD_MAX_HEIGHT * vehicle_height
    aspect = (b.x1 - b.x0) / max(1, b.y1 - b.y0)
    return not tall and max(aspect, 1 / max(aspect, 1e-6)) >= TEXT_MIN_ASPECT


def lettering(boxes: list[TextBox], vehicle: Mask) -> list[TextBox]:
    """The boxes that look like text (``looks_like_text``) on a vehicle of ``vehicle``'s
    height (bool (H, W); an empty mask: the boxes' shapes alone decide)."""
    bounds = _bounds(vehicle)
    height = bounds.y1 - bounds.y0 or None
    return [found for found in boxes if looks_like_text(found, height)]


def on_vehicle(boxes: list[TextBox], vehicle: Mask) -> list[TextBox]:
    """The boxes that lie mostly on ``vehicle`` (bool (H, W)) or just beside it.

    The vehicle is grown by the gap only in a window around each box (the same pixels as
    growing the whole mask: a pixel of the box is reached only from within the gap)."""
    height, width = vehicle.shape
    gap = max(1, int(NEAR_VEHICLE * float(np.hypot(height, width))))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * gap + 1, 2 * gap + 1))
    kept = []
    for found in boxes:
        b = found.box
        if b.x1 <= b.x0 or b.y1 <= b.y0:
            continue
        y0, x0 = max(0, b.y0 - gap), max(0, b.x0 - gap)
        window = vehicle[y0 : min(height, b.y1 + gap), x0 : min(width, b.x1 + gap)]
        if window.size == 0:  # a box wholly outside the image (boxes are clipped; be safe)
            continue
        grown = cv2.dilate(window.astype(np.uint8), kernel) > 0
        if grown[b.y0 - y0 : b.y1 - y0, b.x0 - x0 : b.x1 - x0].mean() >= MIN_ON_VEHICLE:
            kept.append(found)
    return kept


def removal_regions(rgb: RGBImage, boxes: list[TextBox], padding: float) -> list[Region]:
    """One region per text box: the text grown by ``padding`` × its height on every side, or
    the whole licence plate when the text sits on one. ``rgb``: uint8 (H, W, 3)."""
    height, width = rgb.shape[:2]
    regions = []
    for found in boxes:
        pixels = np.zeros((height, width), np.uint8)
        cv2.fillPoly(pixels, [np.round(_grown_polygon(found, padding)).astype(np.int32)], 1)
        plate = plate_rectangle(rgb, found)
        kind = "text"
        if plate is not None:
            pixels[plate.y0 : plate.y1, plate.x0 : plate.x1] = 1
            kind = "licence_plate"
        mask = pixels.astype(bool)
        regions.append(
            Region(Removal(kind, _bounds(mask), round(found.score, 4), found.text), mask)
        )
    return regions


def _grown_polygon(found: TextBox, padding: float) -> NDArray[np.float32]:
    """The box's quadrilateral pushed outwards by ``padding`` × line height on every side."""
    polygon = found.polygon.astype(np.float32)
    centre = polygon.mean(axis=0)
    grow = padding * found.height
    out = np.empty_like(polygon)
    for i, corner in enumerate(polygon):
        direction = corner - centre
        length = float(np.linalg.norm(direction))
        out[i] = corner if length == 0 else corner + direction / length * grow * np.sqrt(2.0)
    return out


def plate_rectangle(rgb: RGBImage, found: TextBox) -> Box | None:
    """The plate around ``found`` (a bright white or yellow rectangle of plate proportions
    that contains the text), or None when the text is not on a plate."""
    height, width = rgb.shape[:2]
    line = max(4.0, found.height)
    b = found.box
    reach_x = 1.5 * line + 0.5 * (b.x1 - b.x0)  # plates can have wide margins (EU strip)
    window = Box(
        max(0, int(b.x0 - reach_x)),
        max(0, int(b.y0 - 1.5 * line)),
        min(width, int(b.x1 + reach_x)),
        min(height, int(b.y1 + 1.5 * line)),
    )
    crop = rgb[window.y0 : window.y1, window.x0 : window.x1]
    background = _plate_background(crop)
    inner = Box(b.x0 - window.x0, b.y0 - window.y0, b.x1 - window.x0, b.y1 - window.y0)
    if background[inner.y0 : inner.y1, inner.x0 : inner.x1].mean() < PLATE_MIN_INSIDE:
        return None  # light text on a dark panel, not dark text on a plate
    # the text's own strokes are dark: count the text box as plate so that it joins up
    background[inner.y0 : inner.y1, inner.x0 : inner.x1] = 1
    _, labels, stats, _ = cv2.connectedComponentsWithStats(background, connectivity=4)
    label = labels[(inner.y0 + inner.y1) // 2, (inner.x0 + inner.x1) // 2]
    if label == 0:
        return None
    x, y, w, h, area = (int(v) for v in stats[label])
    if h > PLATE_MAX_HEIGHT * line:
        return None
    if not PLATE_ASPECT[0] <= w / max(h, 1) <= PLATE_ASPECT[1]:
        return None
    touches_window = x == 0 or y == 0 or x + w == crop.shape[1] or y + h == crop.shape[0]
    if touches_window or area < PLATE_MIN_FILL * w * h:
        return None
    return Box(window.x0 + x, window.y0 + y, window.x0 + x + w, window.y0 + y + h)


def _plate_background(crop: RGBImage) -> NDArray[np.uint8]:
    """uint8 (h, w), 1 where the colour is plate-like: bright white/grey or saturated yellow."""
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    white = (value >= 150) & (saturation <= 60)
    yellow = (hue >= 15) & (hue <= 35) & (saturation >= 90) & (value >= 120)
    plate = (white | yellow).astype(np.uint8)
    return np.asarray(cv2.morphologyEx(plate, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)))


def _bounds(mask: Mask) -> Box:
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return Box(0, 0, 0, 0)
    return Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


def search_area(vehicle: Mask) -> Box | None:
    """Where text can matter: the vehicle's bounding box grown by the 'near' distance."""
    ys, xs = np.nonzero(vehicle)
    if xs.size == 0:
        return None
    height, width = vehicle.shape
    gap = int(NEAR_VEHICLE * float(np.hypot(height, width))) + 2
    return Box(
        max(0, int(xs.min()) - gap),
        max(0, int(ys.min()) - gap),
        min(width, int(xs.max()) + 1 + gap),
        min(height, int(ys.max()) + 1 + gap),
    )
