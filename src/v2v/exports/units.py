"""Output size and physical units.

A size is written ``300mm`` (width, height by the aspect), ``x200mm`` (height), ``300x200mm``
(fit inside that box, aspect kept), with the unit ``px``, ``mm``, ``cm`` or ``in`` (no unit:
px); or ``working`` (the SVG's own user units, today's output) or ``photo`` (the photo's own
pixel size). The geometry is never resampled: only the page size changes, and each format maps
the drawing's user units onto it with one uniform scale (SVG: the viewBox stays as it is).

CSS conventions: 1 in = 96 px = 72 pt = 25.4 mm. ``dpi`` turns a physical size into PNG pixels
(and is written into the PNG); it does not change vector formats.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from v2v.errors import InputError

UNITS = ("px", "mm", "cm", "in")
#: Units in one inch.
PER_INCH = {"px": 96.0, "mm": 25.4, "cm": 2.54, "in": 1.0, "pt": 72.0}
SPECIAL = ("working", "photo")
#: Largest page side: 10 m (a vehicle wrap is ~5 m); larger sizes are typos.
MAX_INCHES = 10_000 / 25.4
MAX_DPI = 2400.0
_SIZE = re.compile(
    r"^\s*(?P<w>\d+(?:\.\d+)?)?\s*(?:[x×]\s*(?P<h>\d+(?:\.\d+)?))?\s*(?P<unit>[a-z]*)\s*$"
)
HELP = (
    "a size like '300mm', 'x200mm', '300x200mm', '2048px', '12in', '29.7cm', "
    "or 'working' (the SVG's own size) or 'photo' (the photo's pixel size)"
)


@dataclass(frozen=True)
class SizeRequest:
    """What the user asked for: ``kind`` 'working', 'photo' or 'box'; for a box, ``width`` and/or
    ``height`` (None: from the aspect) in ``unit``."""

    kind: str = "working"
    width: float | None = None
    height: float | None = None
    unit: str = "px"


@dataclass(frozen=True)
class Page:
    """The resolved output: ``width`` × ``height`` in ``unit`` for a drawing of
    ``user_width`` × ``user_height`` user units; ``dpi`` for pixels of physical sizes."""

    width: float
    height: float
    unit: str
    user_width: float
    user_height: float
    dpi: float = 96.0

    @property
    def points(self) -> tuple[float, float]:
        """The page in PostScript/PDF points (1/72 in); px are CSS px (1/96 in)."""
        factor = 72.0 / PER_INCH[self.unit]
        return self.width * factor, self.height * factor

    @property
    def pixels(self) -> tuple[int, int]:
        """The page in whole raster pixels: px as they are, physical units at ``dpi``."""
        factor = 1.0 if self.unit == "px" else self.dpi / PER_INCH[self.unit]
        return max(1, round(self.width * factor)), max(1, round(self.height * factor))

    @property
    def scale(self) -> float:
        """Page units per user unit (uniform: the aspect is the drawing's)."""
        return self.width / self.user_width


def parse_size(text: str) -> SizeRequest:
    """``text`` (see the module doc) → SizeRequest; InputError naming the accepted forms."""
    value = text.strip().lower()
    if value in SPECIAL:
        return SizeRequest(kind=value)
    match = _SIZE.match(value)
    unit = (match.group("unit") or "px") if match else ""
    if match is None or unit not in UNITS or not (match.group("w") or match.group("h")):
        raise InputError(f"size {text!r} is not understood; use {HELP}")
    width = float(match.group("w")) if match.group("w") else None
    height = float(match.group("h")) if match.group("h") else None
    if any(v is not None and v <= 0 for v in (width, height)):
        raise InputError(f"size {text!r} must be larger than 0")
    if min(v for v in (width, height) if v is not None) / PER_INCH[unit] > MAX_INCHES:
        # the page's long side is at least the smaller side asked for (one side given: that
        # side; 'WxH': the drawing fits inside, touching one side), so this is too large
        # whatever the drawing's aspect: say so when the request is made, not at first fetch
        raise InputError(f"size {text!r} is larger than 10 m; check the size and its unit")
    return SizeRequest("box", width, height, unit)


def check_dpi(dpi: float) -> float:
    if not (math.isfinite(dpi) and 1 <= dpi <= MAX_DPI):
        raise InputError(f"dpi {dpi} is out of range; use 1 to {MAX_DPI:g} (e.g. 300 for print)")
    return float(dpi)


def resolve(
    request: SizeRequest,
    user_width: float,
    user_height: float,
    dpi: float = 96.0,
    photo_size: tuple[int, int] | None = None,
) -> Page:
    """The page for a drawing of ``user_width`` × ``user_height`` user units.

    'photo' needs ``photo_size`` (width, height of the original photo in px); the drawing is
    fitted inside it (the working image has the photo's aspect up to rounding).
    """
    dpi = check_dpi(dpi)
    if request.kind == "working":
        return Page(user_width, user_height, "px", user_width, user_height, dpi)
    if request.kind == "photo":
        if photo_size is None:
            raise InputError(
                "size 'photo' needs the photo's size, which this SVG does not record; "
                "give the size in px (e.g. '6000px') or pass the photo size"
            )
        request = SizeRequest("box", float(photo_size[0]), float(photo_size[1]), "px")
    aspect = user_width / user_height
    width, height = request.width, request.height
    if width is not None and height is not None:
        scale = min(width / user_width, height / user_height)
        width, height = user_width * scale, user_height * scale
    elif width is not None:
        height = width / aspect
    elif height is not None:
        width = height * aspect
    assert width is not None and height is not None
    inches = max(width, height) / PER_INCH[request.unit]
    if inches > MAX_INCHES:
        raise InputError(
            f"a page of {width:g}x{height:g} {request.unit} is larger than 10 m; "
            "check the size and its unit"
        )
    return Page(width, height, request.unit, user_width, user_height, dpi)


def css_length(value: float, unit: str) -> str:
    """An SVG width/height: '300mm', '1024' (px have no unit, like today's output)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if unit == "px" else f"{text}{unit}"
