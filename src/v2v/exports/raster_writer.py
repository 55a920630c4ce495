"""PNG at any size: the SVG written for the page, rendered with resvg (see
:mod:`v2v.svg.render`), with the DPI recorded in the file (pHYs) for physical sizes."""

from __future__ import annotations

import io

from PIL import Image

from v2v.errors import InputError
from v2v.exports.drawing import Drawing
from v2v.exports.registry import Target
from v2v.exports.svg_writer import svg_text
from v2v.svg.render import render_png

#: Largest PNG: 64 megapixels (a 256 MB RGBA buffer while rendering).
MAX_PIXELS = 64_000_000


def write_png(drawing: Drawing, target: Target) -> bytes:
    """An RGBA PNG of ``target.page.pixels`` (transparent unless the drawing has a
    background); InputError above :data:`MAX_PIXELS`."""
    width, height = target.page.pixels
    if width * height > MAX_PIXELS:
        raise InputError(
            f"a PNG of {width}x{height} px is over the {MAX_PIXELS // 1_000_000} megapixel "
            "limit; choose a smaller size or DPI, or a vector format (SVG, PDF) for large prints"
        )
    png = render_png(svg_text(drawing, target, stretch=True), width, height)
    with Image.open(io.BytesIO(png)) as image:
        out = io.BytesIO()
        dpi = target.page.dpi
        image.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()
