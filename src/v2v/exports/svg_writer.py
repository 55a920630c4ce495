"""SVG output at any size: the viewBox keeps the drawing's user units, width/height carry the
page size ('300mm', '11.8in' or px), so the geometry is written unchanged.

Grouping 'color' writes one ``<g>`` per colour marked as an Inkscape layer
(``inkscape:groupmode="layer"`` + ``inkscape:label``); Illustrator makes a layer of each
top-level ``<g>`` and names it from its ``id``, so the id is the readable label too
(e.g. 'Gray_808080'). Grouping 'none' writes the paths directly under ``<svg>``, each with its
own paint, in paint order.
"""

from __future__ import annotations

import re

from lxml import etree

from v2v.exports.drawing import Drawing, Group
from v2v.exports.registry import Target
from v2v.exports.units import css_length
from v2v.stages.vectorize.cleanup import PathGeometry, format_path
from v2v.svg.document import (
    BACKGROUND_ID,
    CENTERLINES_ID,
    INKSCAPE_NS,
    SVG_NS,
    StrokeStyle,
    format_number,
)

_NSMAP = {None: SVG_NS, "inkscape": INKSCAPE_NS}
PRECISION = 3
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]+")


def _q(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


def group_id(group: Group) -> str:
    """An XML id that reads as the layer's name: 'Gray_808080' (ids must not start with '#')."""
    text = _NOT_ID.sub("_", group.label).strip("_")
    return text if text[:1].isalpha() else f"layer_{text}"


def _stroke(element: etree._Element, stroke: StrokeStyle) -> None:
    element.set("stroke", stroke.color)
    element.set("stroke-width", format_number(stroke.width, 3))
    element.set("stroke-linejoin", "round")
    element.set("stroke-linecap", "round")


def _path(parent: etree._Element, path: PathGeometry, stroked: bool) -> etree._Element:
    element = etree.SubElement(parent, _q("path"), d=format_path(path, PRECISION))
    if stroked:
        element.set("vector-effect", "non-scaling-stroke")
    return element


def _layer(root: etree._Element, label: str, ident: str) -> etree._Element:
    group = etree.SubElement(root, _q("g"), id=ident)
    group.set(f"{{{INKSCAPE_NS}}}groupmode", "layer")
    group.set(f"{{{INKSCAPE_NS}}}label", label)
    return group


def _fills(root: etree._Element, drawing: Drawing, grouping: str) -> None:
    stroke = drawing.stroke
    for group in drawing.groups:
        if grouping == "color":
            parent = _layer(root, group.label, group_id(group))
            parent.set("fill", group.color)
            if stroke is not None:
                _stroke(parent, stroke)
        for path in group.paths:
            element = _path(parent if grouping == "color" else root, path, stroke is not None)
            if grouping != "color":
                element.set("fill", group.color)
                if stroke is not None:
                    _stroke(element, stroke)


def svg_text(drawing: Drawing, target: Target, stretch: bool = False) -> str:
    """The drawing as SVG text for ``target`` (see the module doc). ``stretch``: fill the page
    exactly (``preserveAspectRatio="none"``), for rasters whose whole-pixel size differs from
    the drawing's aspect by a fraction of a pixel."""
    page = target.page
    root = etree.Element(_q("svg"), nsmap=_NSMAP)
    root.set("version", "1.1")
    width, height = format_number(drawing.width, 4), format_number(drawing.height, 4)
    root.set("viewBox", f"0 0 {width} {height}")
    root.set("width", css_length(page.width, page.unit))
    root.set("height", css_length(page.height, page.unit))
    if stretch:
        root.set("preserveAspectRatio", "none")
    etree.SubElement(root, _q("title")).text = drawing.title
    if drawing.background is not None:
        etree.SubElement(
            root, _q("rect"), id=BACKGROUND_ID, x="0", y="0", width=width, height=height
        ).set("fill", drawing.background)
    _fills(root, drawing, target.grouping)
    if drawing.centerlines and drawing.centerline_stroke is not None:
        parent = _layer(root, "Centerlines", CENTERLINES_ID)
        parent.set("fill", "none")
        _stroke(parent, drawing.centerline_stroke)
        for line in drawing.centerlines:
            _path(parent, line, stroked=True)
    text: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return text.decode("utf-8")


def write_svg(drawing: Drawing, target: Target) -> bytes:
    return svg_text(drawing, target).encode("utf-8")
