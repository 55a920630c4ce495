"""The drawing every export writes: colour groups of filled paths, read back from a v2v SVG.

Exports start from the SVG text (a finished run's ``result.svg`` or any SVG this product wrote),
so ``v2v export result.svg --to dxf`` and a job's download route need nothing else. The reader
accepts what :func:`v2v.svg.document.build_svg` writes: absolute ``M``/``L``/``C``/``Z`` path
data, paint set on the path or inherited from its ``<g>``, a ``<rect id="background">`` and a
``<g id="centerlines" fill="none">``. Coordinates stay in the SVG's user units (the viewBox,
origin top left, y down); writers map them to their page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lxml import etree

from v2v.errors import InputError, StageFailed
from v2v.stages.vectorize.cleanup import PathGeometry, parse_path
from v2v.svg.document import BACKGROUND_ID, CENTERLINES_ID, INKSCAPE_NS, StrokeStyle
from v2v.svg.render import document_size, parse_svg

_LABEL = f"{{{INKSCAPE_NS}}}label"
_PAINTS = ("fill", "stroke", "stroke-width")


@dataclass(frozen=True)
class Group:
    """Filled paths painted together: one colour layer (``color`` '#RRGGBB') named ``name``.
    ``paths`` are in paint order, in user units."""

    color: str
    name: str
    paths: tuple[PathGeometry, ...]

    @property
    def label(self) -> str:
        """The layer name tools show: 'Gray #808080', or the colour alone."""
        return self.color if self.name in {"", self.color} else f"{self.name} {self.color}"


@dataclass(frozen=True)
class Drawing:
    """A v2v illustration. ``width`` × ``height`` user units (the viewBox, top-left origin).

    ``groups`` are in paint order (first = bottom). ``stroke`` outlines every filled path (None:
    no outlines); its width is in screen px/points and never scales. ``centerlines`` are open
    paths drawn last with ``centerline_stroke``. ``background`` is a '#RRGGBB' canvas fill or
    None (transparent). ``swatches`` are the (name, '#RRGGBB') pairs a swatch file lists.
    """

    width: float
    height: float
    title: str
    groups: tuple[Group, ...]
    stroke: StrokeStyle | None = None
    centerlines: tuple[PathGeometry, ...] = ()
    centerline_stroke: StrokeStyle | None = None
    background: str | None = None
    swatches: tuple[tuple[str, str], ...] = ()
    swatch_name: str = ""

    def colors(self) -> set[str]:
        """Every colour the drawing paints (fills, strokes, background)."""
        found = {group.color for group in self.groups}
        for stroke in (self.stroke, self.centerline_stroke):
            if stroke is not None and (stroke is self.stroke or self.centerlines):
                found.add(stroke.color)
        if self.background is not None:
            found.add(self.background)
        return found

    def with_swatches(self, swatches: list[tuple[str, str]], name: str) -> Drawing:
        """The drawing with these (name, '#RRGGBB') swatches, e.g. the run's whole palette."""
        return replace(self, swatches=tuple(swatches), swatch_name=name)


def _paint(element: etree._Element) -> dict[str, str]:
    """fill/stroke/stroke-width of ``element``, inherited from its ancestors."""
    paint: dict[str, str] = {}
    chain = [element, *element.iterancestors()]
    for node in reversed(chain):
        for name in _PAINTS:
            if node.get(name) is not None:
                paint[name] = node.get(name)
    return paint


def _color(value: str | None, where: str) -> str | None:
    if value is None or value == "none":
        return None
    text = value.strip().upper()
    if len(text) != 7 or not text.startswith("#"):
        raise InputError(
            f"{where} has the paint {value!r}; only '#RRGGBB' colours can be exported "
            "(export an SVG written by v2v)"
        )
    return text


def _stroke(paint: dict[str, str], where: str) -> StrokeStyle | None:
    color = _color(paint.get("stroke"), where)
    if color is None:
        return None
    try:
        width = float(paint.get("stroke-width", "1"))
    except ValueError:
        raise InputError(f"{where} has a stroke-width that is not a number") from None
    return StrokeStyle(color, width)


def _geometry(path: etree._Element, where: str) -> PathGeometry:
    try:
        return parse_path(path.get("d") or "")
    except StageFailed as exc:
        raise InputError(f"{where}: {exc}; export an SVG written by v2v") from None


def _group_name(path: etree._Element, color: str) -> str:
    parent = path.getparent()
    label = parent.get(_LABEL) if parent is not None else None
    if not label:
        return color
    return label.removesuffix(color).strip() or color


def read_svg(svg: str) -> Drawing:
    """The :class:`Drawing` in ``svg`` (text); InputError if it is not an SVG v2v can export."""
    try:
        root = parse_svg(svg)
    except StageFailed as exc:
        raise InputError(str(exc)) from None
    size = document_size(root)
    if not isinstance(root.tag, str) or etree.QName(root).localname != "svg" or size is None:
        raise InputError("the file is not an SVG with a viewBox or width/height; pass a v2v SVG")
    groups: dict[str, tuple[str, list[PathGeometry]]] = {}
    stroke: StrokeStyle | None = None
    lines: list[PathGeometry] = []
    line_stroke: StrokeStyle | None = None
    background: str | None = None
    for number, element in enumerate(root.iter()):
        if not isinstance(element.tag, str):
            continue
        tag = etree.QName(element).localname
        where = f"element {number} (<{tag}>)"
        if tag == "rect" and element.get("id") == BACKGROUND_ID:
            background = _color(element.get("fill"), where)
        if tag != "path":
            continue
        paint = _paint(element)
        parent = element.getparent()
        if parent is not None and parent.get("id") == CENTERLINES_ID:
            lines.append(_geometry(element, where))
            line_stroke = _stroke(paint, where)
            continue
        color = _color(paint.get("fill", "#000000"), where)
        if color is None:
            continue
        stroke = _stroke(paint, where) or stroke
        entry = groups.setdefault(color, (_group_name(element, color), []))
        entry[1].append(_geometry(element, where))
    title_element = root.find("{*}title")
    return Drawing(
        width=size[0],
        height=size[1],
        title=(title_element.text or "") if title_element is not None else "",
        groups=tuple(Group(c, name, tuple(paths)) for c, (name, paths) in groups.items()),
        stroke=stroke,
        centerlines=tuple(lines),
        centerline_stroke=line_stroke,
        background=background,
        swatches=tuple((name, color) for color, (name, _) in groups.items()),
    )
