"""Render SVG text with resvg (no system libraries): PNG previews and RGBA arrays.

Two things resvg does not do by itself are done here:
- the output is exactly the requested width × height (resvg keeps the SVG's aspect ratio and
  would ignore one of the two); the drawing is fitted inside as SVG's default
  ``preserveAspectRatio`` ("xMidYMid meet") says;
- ``vector-effect="non-scaling-stroke"`` (SVG 2, not implemented by resvg: linebender/resvg
  #737): such strokes are divided by the render scale, so a 2 px outline is 2 px in a
  2048 px preview too. This assumes no ``transform`` scales the stroked element itself,
  which holds for every SVG this product writes.
"""

from __future__ import annotations

import io
import re

import cv2
import numpy as np
import resvg_py
from lxml import etree
from numpy.typing import NDArray
from PIL import Image

from v2v.errors import StageFailed

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px)?\s*$")
_NON_SCALING = "non-scaling-stroke"


def parse_svg(svg: str) -> etree._Element:
    """The root element of ``svg``; StageFailed if it is not well-formed XML."""
    try:
        root = etree.fromstring(svg.encode("utf-8"), parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise StageFailed(f"the SVG is not well-formed XML: {exc}") from None
    if root is None:
        raise StageFailed("the SVG is empty")
    return root


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    return float(match.group(1)) if match else None


def inline_style(element: etree._Element) -> dict[str, str]:
    """The element's ``style="a: b; c: d"`` as a dict (shared by rendering and QA's audit)."""
    items = (part.partition(":") for part in element.get("style", "").split(";"))
    return {key.strip(): value.strip() for key, sep, value in items if sep}


def _own(element: etree._Element, name: str) -> str | None:
    """A property set on the element itself (style="..." wins over the attribute)."""
    return inline_style(element).get(name, element.get(name))


def document_size(root: etree._Element) -> tuple[float, float] | None:
    """(width, height) of the SVG's user space: the viewBox, else width/height, else None."""
    parts = (root.get("viewBox") or "").replace(",", " ").split()
    if len(parts) == 4:
        width, height = float(parts[2]), float(parts[3])
    else:
        width, height = _length(root.get("width")) or 0.0, _length(root.get("height")) or 0.0
    return (width, height) if width > 0 and height > 0 else None


def _fix_non_scaling_strokes(root: etree._Element, scale: float) -> None:
    """Divide non-scaling stroke widths by ``scale`` (user units → the same screen px)."""
    widths: dict[etree._Element, float] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        parent = element.getparent()
        inherited = widths.get(parent, 1.0) if parent is not None else 1.0
        own = _length(_own(element, "stroke-width"))
        widths[element] = own if own is not None else inherited
        if _own(element, "vector-effect") == _NON_SCALING:
            style = {k: v for k, v in inline_style(element).items() if k != "stroke-width"}
            if "style" in element.attrib:
                element.set("style", ";".join(f"{k}:{v}" for k, v in style.items()))
            element.set("stroke-width", f"{widths[element] / scale:.6g}")


def prepare_for_render(svg: str, width: int, height: int) -> str:
    """``svg`` set to render at exactly width × height px, non-scaling strokes emulated."""
    root = parse_svg(svg)
    size = document_size(root)
    if size is not None:
        if root.get("viewBox") is None:
            root.set("viewBox", f"0 0 {size[0]:g} {size[1]:g}")
        scale = min(width / size[0], height / size[1])
        if abs(scale - 1.0) > 1e-9:
            _fix_non_scaling_strokes(root, scale)
    root.set("width", str(int(width)))
    root.set("height", str(int(height)))
    text: bytes = etree.tostring(root, encoding="UTF-8")
    return text.decode("utf-8")


def render_png(svg: str, width: int, height: int, background: str | None = None) -> bytes:
    """Render ``svg`` to PNG bytes of exactly width × height px (``background``: a CSS colour
    under the drawing, or None for transparent)."""
    if width < 1 or height < 1:
        raise StageFailed(f"cannot render an SVG at {width}x{height} px; both must be ≥ 1")
    document = prepare_for_render(svg, width, height)
    try:
        return bytes(
            resvg_py.svg_to_bytes(
                svg_string=document, background=background, skip_system_fonts=True
            )
        )
    except ValueError as exc:
        raise StageFailed(f"the SVG could not be rendered: {exc}") from None


def render_rgba(svg: str, width: int, height: int) -> NDArray[np.uint8]:
    """Render ``svg`` to an RGBA uint8 (height, width, 4) array (straight, not premultiplied
    alpha; transparent background)."""
    png = render_png(svg, width, height)
    # OpenCV decodes resvg's 8-bit RGBA PNG in about half PIL's time (the QA renders every run)
    bgra = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
    if bgra is not None and bgra.ndim == 3 and bgra.shape[2] == 4 and bgra.dtype == np.uint8:
        return np.ascontiguousarray(cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGBA))
    with Image.open(io.BytesIO(png)) as image:  # any other PNG resvg might write
        return np.asarray(image.convert("RGBA"))


def preview_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(w, h) with max(w, h) == long_side and the aspect kept."""
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def render_preview(
    svg: str, width: int, height: int, long_side: int, background: str = "transparent"
) -> bytes:
    """The PNG preview of an SVG drawn at ``width`` × ``height`` px: scaled so its long side is
    ``long_side`` px (``output.preview_long_side``), on a white or transparent ``background``
    (``phase4.background``: 'white' or 'transparent')."""
    preview_width, preview_height = preview_size(width, height, long_side)
    fill = "#FFFFFF" if background == "white" else None
    return render_png(svg, preview_width, preview_height, background=fill)
