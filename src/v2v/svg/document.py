"""The SVG document model: one ``<g>`` layer per palette colour, built with lxml.

Coordinates are user units of the working image (``viewBox="0 0 W H"``). The document has a
clean default namespace (``xmlns="http://www.w3.org/2000/svg"``) plus the ``inkscape`` prefix,
so the colour layers show up as layers in Inkscape (and as groups everywhere else).

Inherited paint properties (``fill``, ``stroke``, ``stroke-width``, joins) sit on each layer's
``<g>``; ``vector-effect`` is not inherited in SVG, so it sits on every ``<path>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

SVG_NS = "http://www.w3.org/2000/svg"
INKSCAPE_NS = "http://www.inkscape.org/namespaces/inkscape"
BACKGROUND_ID = "background"
CENTERLINES_ID = "centerlines"
_NSMAP = {None: SVG_NS, "inkscape": INKSCAPE_NS}


@dataclass(frozen=True)
class StrokeStyle:
    """An outline: a '#RRGGBB' colour and a width in screen px that never scales."""

    color: str
    width: float


@dataclass(frozen=True)
class ColorLayer:
    """The paths of one palette colour. ``color`` is '#RRGGBB'; ``name`` a readable label;
    ``paths`` are SVG path data strings in working-image units."""

    color: str
    name: str
    paths: tuple[str, ...]


def format_number(value: float, precision: int) -> str:
    """``value`` rounded to ``precision`` decimals, without trailing zeros ('12.5', '3', '0')."""
    return format_numbers([value], precision)[0]


def format_numbers(values: Iterable[float], precision: int) -> list[str]:
    """Many numbers formatted like :func:`format_number`, in one pass (paths have thousands)."""
    numbers = list(values)
    if not numbers:
        return []
    tokens = ((f"%.{precision}f " * len(numbers)) % tuple(numbers)).split()
    if precision > 0:
        tokens = [token.rstrip("0").rstrip(".") for token in tokens]
    return ["0" if token == "-0" else token for token in tokens]


def layer_id(color: str) -> str:
    """The id of a colour's layer: 'layer-C8202F' for '#C8202F'."""
    return "layer-" + color.lstrip("#").upper()


def _q(name: str) -> str:
    return f"{{{SVG_NS}}}{name}"


def _stroke_attributes(group: etree._Element, stroke: StrokeStyle) -> None:
    group.set("stroke", stroke.color)
    group.set("stroke-width", format_number(stroke.width, 3))
    group.set("stroke-linejoin", "round")
    group.set("stroke-linecap", "round")


def _add_paths(group: etree._Element, paths: Sequence[str], stroked: bool) -> None:
    for data in paths:
        path = etree.SubElement(group, _q("path"), d=data)
        if stroked:
            path.set("vector-effect", "non-scaling-stroke")


def _add_layer(root: etree._Element, layer: ColorLayer, stroke: StrokeStyle | None) -> None:
    group = etree.SubElement(root, _q("g"), id=layer_id(layer.color))
    group.set(f"{{{INKSCAPE_NS}}}groupmode", "layer")
    label = layer.color if layer.name in {"", layer.color} else f"{layer.name} {layer.color}"
    group.set(f"{{{INKSCAPE_NS}}}label", label)
    group.set("fill", layer.color)
    if stroke is not None:
        _stroke_attributes(group, stroke)
    _add_paths(group, layer.paths, stroked=stroke is not None)


def build_svg(
    width: int,
    height: int,
    layers: Sequence[ColorLayer],
    title: str,
    stroke: StrokeStyle | None = None,
    centerlines: Sequence[str] = (),
    centerline_stroke: StrokeStyle | None = None,
    background: str | None = None,
) -> str:
    """A complete SVG document (UTF-8 text with XML declaration).

    ``layers`` are painted in order (first = bottom). ``stroke`` outlines every filled path
    (None: no outlines). ``centerlines`` are open path data drawn last, in their own
    ``<g id="centerlines" fill="none">`` with ``centerline_stroke``. ``background`` is a
    '#RRGGBB' for a full-canvas ``<rect id="background">`` under everything, or None.
    """
    root = etree.Element(_q("svg"), nsmap=_NSMAP)
    root.set("version", "1.1")
    root.set("viewBox", f"0 0 {width} {height}")
    root.set("width", str(width))
    root.set("height", str(height))
    etree.SubElement(root, _q("title")).text = title
    if background is not None:
        etree.SubElement(
            root,
            _q("rect"),
            id=BACKGROUND_ID,
            x="0",
            y="0",
            width=str(width),
            height=str(height),
            fill=background,
        )
    for layer in layers:
        _add_layer(root, layer, stroke)
    if centerlines and centerline_stroke is not None:
        group = etree.SubElement(root, _q("g"), id=CENTERLINES_ID, fill="none")
        group.set(f"{{{INKSCAPE_NS}}}groupmode", "layer")
        group.set(f"{{{INKSCAPE_NS}}}label", "Centerlines")
        _stroke_attributes(group, centerline_stroke)
        _add_paths(group, centerlines, stroked=True)
    text: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return text.decode("utf-8")
