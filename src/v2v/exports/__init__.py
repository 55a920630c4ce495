"""Exports: a v2v SVG as SVG at any size, PDF, EPS, DXF, PNG, or its palette as swatch files.

>>> from v2v.exports import ExportOptions, export
>>> pdf = export(result.svg, ExportOptions(format="pdf", size="300mm", stacking="cutout"))

Steps: read the SVG into a :class:`Drawing` → cut out (``stacking="cutout"``) → resolve the page
(``size``, ``dpi``) → the format's writer (see :mod:`v2v.exports.registry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from v2v.errors import InputError
from v2v.exports import formats as _formats  # noqa: F401  (registers the built-in formats)
from v2v.exports.registry import (
    FORMATS,
    GROUPINGS,
    STACKINGS,
    ExportFormat,
    Target,
    get_format,
    register,
)
from v2v.exports.units import check_dpi, parse_size, resolve

if TYPE_CHECKING:
    from v2v.color.palette import Palette
    from v2v.exports.drawing import Drawing, read_svg

__all__ = [
    "FORMATS",
    "GROUPINGS",
    "STACKINGS",
    "Drawing",
    "ExportFormat",
    "ExportOptions",
    "export",
    "export_drawing",
    "read_svg",
    "register",
]


@dataclass(frozen=True)
class ExportOptions:
    """What to write. ``format``: a name in :data:`FORMATS`. ``size``: see
    :mod:`v2v.exports.units` ('working', 'photo', '300mm', '2048px', '300x200mm'…).
    ``dpi``: pixels per inch for PNGs of physical sizes (1–2400). ``stacking``: 'stacked' or
    'cutout'. ``grouping``: 'color' (one layer per colour) or 'none'. Invalid values raise
    InputError naming the accepted ones."""

    format: str = "svg"
    size: str = "working"
    dpi: float = 96.0
    stacking: str = "stacked"
    grouping: str = "color"

    def __post_init__(self) -> None:
        get_format(self.format)
        parse_size(self.size)
        check_dpi(self.dpi)
        if self.stacking not in STACKINGS:
            raise InputError(f"stacking {self.stacking!r} is unknown; use {' or '.join(STACKINGS)}")
        if self.grouping not in GROUPINGS:
            raise InputError(f"grouping {self.grouping!r} is unknown; use {' or '.join(GROUPINGS)}")

    @property
    def entry(self) -> ExportFormat:
        return get_format(self.format)


def export_drawing(
    drawing: Drawing, options: ExportOptions, photo_size: tuple[int, int] | None = None
) -> bytes:
    """Write ``drawing`` as ``options`` say (see :func:`export`)."""
    entry = options.entry
    if options.stacking == "cutout" and entry.drawing:
        from v2v.exports.cutout import cut_out

        drawing = cut_out(drawing)
    page = resolve(parse_size(options.size), drawing.width, drawing.height, options.dpi, photo_size)
    return entry.writer(drawing, Target(page, options.grouping))


def export(
    svg: str,
    options: ExportOptions,
    photo_size: tuple[int, int] | None = None,
    palette: Palette | None = None,
) -> bytes:
    """The bytes of ``svg`` (a v2v SVG's text) written as ``options`` say.

    ``photo_size`` (width, height px of the original photo) enables ``size="photo"``;
    ``palette`` (the run's palette) makes swatch files list all of it, not only the colours the
    drawing uses. InputError for an SVG that v2v did not write or a page that is too large.
    """
    from v2v.exports.drawing import read_svg

    drawing = read_svg(svg)
    if palette is not None:
        names = palette.names or palette.colors
        drawing = drawing.with_swatches(list(zip(names, palette.colors, strict=True)), palette.name)
    return export_drawing(drawing, options, photo_size)


def __getattr__(name: str) -> Any:
    """``Drawing`` and ``read_svg`` load on first use: listing the formats (the command line's
    help does) imports no drawing code."""
    if name in ("Drawing", "read_svg"):
        from v2v.exports import drawing

        return getattr(drawing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
