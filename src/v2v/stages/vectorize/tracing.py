"""vtracer calls (the Python bindings, no external binary).

Each colour layer is traced as a binary mask (``colormode="binary"``): the fill is then the
layer's palette colour by construction, so two palette colours can never be merged and no fill
can drift off the palette (vtracer's colour mode averages merged specks into their
neighbours' colours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cv2
import numpy as np
import vtracer
from numpy.typing import NDArray

from v2v.config import VtracerConfig
from v2v.errors import StageFailed

_PATH = re.compile(r"<path\b[^>]*>")
_DATA = re.compile(r'\bd="([^"]*)"')
_TRANSLATE = re.compile(r'transform="translate\(\s*([-+\d.eE]+)[\s,]+([-+\d.eE]+)\s*\)"')
#: Empty border around a cropped mask, px: vtracer then never sees a shape touching its edge.
CROP_PADDING = 2


@dataclass(frozen=True)
class TracedPath:
    """One vtracer ``<path>``: its path data and translation, in pixels of the traced image."""

    data: str
    dx: float
    dy: float


def vtracer_options(config: VtracerConfig, scale: float) -> dict[str, object]:
    """Keyword arguments for vtracer; pixel-sized options grow with the label map's ``scale``."""
    return {
        "colormode": "binary",
        "mode": config.mode,
        "filter_speckle": max(0, round(config.filter_speckle * scale)),
        "corner_threshold": config.corner_threshold,
        "length_threshold": config.length_threshold,
        "splice_threshold": config.splice_threshold,
        "max_iterations": config.max_iterations,
        "path_precision": config.path_precision + (1 if scale > 1 else 0),
    }


def parse_vtracer_svg(svg: str) -> list[TracedPath]:
    """The ``<path>`` elements of a vtracer SVG, in document order."""
    paths = []
    for element in _PATH.findall(svg):
        data = _DATA.search(element)
        if data is None:
            raise StageFailed(f"vtracer wrote a path without path data: {element[:80]}")
        shift = _TRANSLATE.search(element)
        dx, dy = (float(shift.group(1)), float(shift.group(2))) if shift else (0.0, 0.0)
        paths.append(TracedPath(data.group(1), dx, dy))
    return paths


def trace_mask(
    mask: NDArray[np.bool_], options: dict[str, object], offset: tuple[int, int] = (0, 0)
) -> list[TracedPath]:
    """Trace the True pixels of a bool (H, W) mask; paths are in pixel coordinates of the
    mask shifted by ``offset`` (x, y).

    Only the mask's bounding box (plus a small border) is traced: vtracer's time grows with
    the image size, and most colours cover a small part of it.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return []
    y0, x0 = max(0, rows[0] - CROP_PADDING), max(0, cols[0] - CROP_PADDING)
    y1 = min(mask.shape[0], rows[-1] + CROP_PADDING + 1)
    x1 = min(mask.shape[1], cols[-1] + CROP_PADDING + 1)
    crop = np.where(mask[y0:y1, x0:x1], 0, 255).astype(np.uint8)
    ok, png = cv2.imencode(".png", crop, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise StageFailed("could not encode a colour layer for vtracer (PNG encoding failed)")
    try:
        svg = vtracer.convert_raw_image_to_svg(png.tobytes(), img_format="png", **options)
    except Exception as exc:  # noqa: BLE001 - vtracer raises bare Exceptions from Rust
        raise StageFailed(
            f"vtracer failed on a {crop.shape[1]}x{crop.shape[0]} layer: {exc}"
        ) from None
    shift_x, shift_y = float(x0 + offset[0]), float(y0 + offset[1])
    return [TracedPath(p.data, p.dx + shift_x, p.dy + shift_y) for p in parse_vtracer_svg(svg)]
