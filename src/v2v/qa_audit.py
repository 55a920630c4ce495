"""The palette and stroke audit of an SVG (QA's style-guide check): every fill and stroke a
palette colour at full opacity, every painted shape outlined as the style guide says.

Pure functions, kept apart from ``v2v.qa`` for length; ``v2v.qa`` exports ``audit_svg``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from v2v.color.palette import Palette
from v2v.qa_result import SvgAudit
from v2v.svg.document import BACKGROUND_ID  # the canvas: palette-checked, never outlined
from v2v.svg.render import inline_style, parse_svg

_DRAWN = {"path", "rect", "circle", "ellipse", "polygon", "polyline", "line"}
#: Elements whose content is never painted directly.
_NOT_RENDERED = {
    "defs",
    "clipPath",
    "mask",
    "symbol",
    "marker",
    "pattern",
    "linearGradient",
    "radialGradient",
    "metadata",
    "title",
    "desc",
    "style",
    "script",
}
_INHERITED = ("fill", "stroke", "stroke-width", "fill-opacity", "stroke-opacity")
_INITIAL = {
    "fill": "#000000",
    "stroke": "none",
    "stroke-width": "1",
    "fill-opacity": "1",
    "stroke-opacity": "1",
}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px)?\s*$")
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_RGB = re.compile(r"^rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)$")


def _own(element: etree._Element) -> dict[str, str]:
    """Presentation attributes of the element itself, style="..." winning."""
    names = (*_INHERITED, "vector-effect", "opacity", "display")
    own = {name: element.get(name) for name in names if element.get(name) is not None}
    own.update({k: v for k, v in inline_style(element).items() if k in names})
    return {k: v.strip() for k, v in own.items()}


def _painted(root: etree._Element) -> Iterator[tuple[etree._Element, str, dict[str, str]]]:
    """(element, tag, computed properties) for every drawn element that is rendered."""
    computed: dict[etree._Element, dict[str, str]] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        parent = element.getparent()
        base = computed.get(parent, _INITIAL) if parent is not None else _INITIAL
        if parent is not None and parent not in computed:
            continue  # inside a skipped subtree
        own = _own(element)
        if tag in _NOT_RENDERED or own.get("display") == "none":
            continue
        style = {k: v for k, v in base.items() if k in _INHERITED}
        style.update({k: v for k, v in own.items() if v != "inherit" and k in _INHERITED})
        opacity = float(base.get("opacity", "1")) * _number(own.get("opacity"), 1.0)
        style["opacity"] = f"{opacity:.6g}"
        style["vector-effect"] = own.get("vector-effect", "none")
        computed[element] = style
        if tag in _DRAWN:
            yield element, tag, style


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _paint(value: str | None) -> str | None:
    """'#RRGGBB' for a solid colour, None for no paint, else the value itself."""
    text = (value or "none").strip()
    if text in {"none", "transparent"}:
        return None
    hex_match, rgb_match = _HEX.match(text), _RGB.match(text)
    if hex_match:
        digits = hex_match.group(1)
        return "#" + (digits if len(digits) == 6 else "".join(c * 2 for c in digits)).upper()
    if rgb_match:
        return "#" + "".join(f"{min(255, int(c)):02X}" for c in rgb_match.groups())
    return text


def _visible(color: str, opacity: float) -> str:
    return color if opacity >= 1.0 - 1e-6 else f"{color}@{opacity:.2f}"


def _outline_ok(style: dict[str, str], stroke: str | None, width: float, palette: Palette) -> bool:
    """The shape carries the style guide's outline: a palette colour at full opacity, the
    required width, and ``vector-effect="non-scaling-stroke"`` on the element itself."""
    if stroke is None or stroke not in palette.colors:
        return False
    if style.get("vector-effect") != "non-scaling-stroke":
        return False
    if _number(style.get("opacity"), 1.0) * _number(style.get("stroke-opacity"), 1.0) < 1.0:
        return False
    match = _LENGTH.match(style.get("stroke-width", "1"))
    return match is not None and abs(float(match.group(1)) - width) < 1e-6


def audit_svg(svg: str, palette: Palette, stroke_width: float | None = 2.0) -> SvgAudit:
    """Check every fill and stroke against ``palette`` and every painted shape's outline.

    A paint counts as compliant when it is exactly a palette colour at full opacity
    (``opacity`` × ``fill-opacity`` / ``stroke-opacity`` = 1). ``stroke_width`` None means
    outlines are not required (strokes switched off); otherwise every filled shape, and every
    stroked open shape (strategy B centerlines), must carry that stroke width, a palette stroke
    colour and ``vector-effect="non-scaling-stroke"`` on itself (the property is not
    inherited). The ``<rect id="background">`` is palette-checked but needs no outline.
    Raises StageFailed if the SVG is not well-formed XML.
    """
    audit = SvgAudit()
    used: set[str] = set()
    off: set[str] = set()
    paints = compliant = outlined = outlinable = 0
    for element, tag, style in _painted(parse_svg(svg)):
        audit.shapes += 1
        opacity = _number(style.get("opacity"), 1.0)
        fill = None if tag == "line" else _paint(style.get("fill"))
        width = _LENGTH.match(style.get("stroke-width", "1"))
        stroke = _paint(style.get("stroke")) if width and float(width.group(1)) > 0 else None
        for paint, alpha in ((fill, "fill-opacity"), (stroke, "stroke-opacity")):
            if paint is None:
                continue
            paints += 1
            visible = _visible(paint, opacity * _number(style.get(alpha), 1.0))
            if visible in palette.colors:
                compliant += 1
                used.add(visible)
            else:
                off.add(visible)
        audit.filled_shapes += fill is not None
        if (fill is None and stroke is None) or element.get("id") == BACKGROUND_ID:
            continue
        outlinable += 1
        if stroke_width is None or _outline_ok(style, stroke, stroke_width, palette):
            outlined += 1
    audit.colors_used = sorted(used)
    audit.off_palette = sorted(off)
    audit.palette_compliance = compliant / paints if paints else 1.0
    audit.stroke_compliance = outlined / outlinable if outlinable else 1.0
    audit.bad_strokes = outlinable - outlined
    return audit
