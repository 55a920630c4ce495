"""Quality checks of the style guide: silhouette IoU, palette and stroke audit, text left over.

Pure functions; the pipeline decides what a failure means (policy warn / retry / fail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lxml import etree
from numpy.typing import NDArray

from v2v.color.palette import Palette, normalize_hex
from v2v.errors import InputError

SVG_NS = "http://www.w3.org/2000/svg"
_DRAWN = {"path", "rect", "circle", "ellipse", "polygon", "polyline", "line"}
_NUMBER = re.compile(r"^\s*([0-9.]+)\s*(px|pt)?\s*$")


def silhouette_iou(expected: NDArray[np.bool_], actual: NDArray[np.bool_]) -> float:
    """Intersection over union of two bool (H, W) masks; 1.0 when both are empty."""
    if expected.shape != actual.shape:
        raise ValueError(f"mask shapes differ: {expected.shape} vs {actual.shape}")
    union = np.logical_or(expected, actual).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(expected, actual).sum() / union)


@dataclass
class SvgAudit:
    """What the palette and stroke audit of one SVG found."""

    shapes: int = 0
    filled_shapes: int = 0
    colors_used: list[str] = field(default_factory=list)
    off_palette: list[str] = field(default_factory=list)
    bad_strokes: int = 0
    palette_compliance: float = 1.0
    stroke_compliance: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shapes": self.shapes,
            "colors_used": self.colors_used,
            "off_palette_colors": self.off_palette[:20],
            "palette_compliance": round(self.palette_compliance, 4),
            "stroke_compliance": round(self.stroke_compliance, 4),
        }


def _paint(value: str | None) -> str | None:
    if value is None or value.strip() in {"", "none", "transparent"}:
        return None
    try:
        return normalize_hex(value)
    except InputError:
        return value.strip()


def audit_svg(svg: str, palette: Palette, stroke_width: float | None = 2.0) -> SvgAudit:
    """Check every fill and stroke against ``palette`` and every filled shape's outline.

    ``stroke_width`` None means strokes are not required (strategy A with strokes switched
    off); otherwise every filled shape must carry that stroke width, a palette stroke colour
    and ``vector-effect="non-scaling-stroke"`` (on itself or an ancestor group).
    """
    root = etree.fromstring(svg.encode("utf-8"))
    audit = SvgAudit()
    used: set[str] = set()
    off: set[str] = set()
    paints = compliant = 0
    stroked_ok = 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        if tag not in _DRAWN:
            continue
        audit.shapes += 1
        style = _inherited(element)
        fill, stroke = _paint(style.get("fill", "#000000")), _paint(style.get("stroke"))
        for paint in (fill, stroke):
            if paint is None:
                continue
            paints += 1
            if paint in palette.colors:
                compliant += 1
                used.add(paint)
            else:
                off.add(paint)
        if fill is not None:
            audit.filled_shapes += 1
            if stroke_width is None or _stroke_ok(style, stroke, stroke_width, palette):
                stroked_ok += 1
        elif stroke is not None and (stroke_width is None or _stroke_ok(style, stroke, stroke_width, palette)):
            stroked_ok += 1
    drawn = audit.filled_shapes + sum(
        1 for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname in _DRAWN
        and _paint(_inherited(e).get("fill", "#000000")) is None
        and _paint(_inherited(e).get("stroke")) is not None
    )
    audit.colors_used = sorted(used)
    audit.off_palette = sorted(off)
    audit.palette_compliance = compliant / paints if paints else 1.0
    audit.stroke_compliance = stroked_ok / drawn if drawn else 1.0
    audit.bad_strokes = drawn - stroked_ok
    return audit


def _stroke_ok(style: dict[str, str], stroke: str | None, width: float, palette: Palette) -> bool:
    if stroke is None or stroke not in palette.colors:
        return False
    if style.get("vector-effect") != "non-scaling-stroke":
        return False
    match = _NUMBER.match(style.get("stroke-width", "1"))
    return bool(match) and abs(float(match.group(1)) - width) < 1e-6


def _inherited(element: Any) -> dict[str, str]:
    """Presentation attributes (and style="...") of the element and its ancestors."""
    chain = []
    node = element
    while node is not None:
        chain.append(node)
        node = node.getparent()
    style: dict[str, str] = {}
    for node in reversed(chain):
        for key in ("fill", "stroke", "stroke-width", "vector-effect"):
            if key in node.attrib:
                style[key] = node.attrib[key]
        for item in node.attrib.get("style", "").split(";"):
            key, sep, value = item.partition(":")
            if sep:
                style[key.strip()] = value.strip()
    return style
