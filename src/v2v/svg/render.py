"""Render SVG text with resvg (no system libraries): PNG previews and alpha masks."""

from __future__ import annotations

import io

import numpy as np
import resvg_py
from numpy.typing import NDArray
from PIL import Image

from v2v.errors import StageFailed


def render_png(svg: str, width: int, height: int, background: str | None = None) -> bytes:
    """Render ``svg`` to PNG bytes of exactly width × height px."""
    try:
        return bytes(
            resvg_py.svg_to_bytes(
                svg_string=svg,
                width=int(width),
                height=int(height),
                background=background,
                skip_system_fonts=True,
            )
        )
    except ValueError as exc:
        raise StageFailed(f"the SVG could not be rendered: {exc}") from None


def render_rgba(svg: str, width: int, height: int) -> NDArray[np.uint8]:
    """Render ``svg`` to an RGBA uint8 (height, width, 4) array."""
    png = render_png(svg, width, height)
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))


def preview_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(w, h) with max(w, h) == long_side and the aspect kept."""
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))
