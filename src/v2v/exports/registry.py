"""The export formats: one entry per format (name, media type, extension, writer).

A writer turns a :class:`~v2v.exports.drawing.Drawing` (already cut out when asked) into the
file's bytes for a :class:`Target` (the page and the grouping). A new format is one writer
function and one :func:`register` call; the CLI, the REST API and the UI list
:data:`FORMATS`, so they offer it with no other change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from v2v.errors import InputError

if TYPE_CHECKING:  # listing the formats (``v2v --help``) imports no drawing code
    from v2v.exports.drawing import Drawing
    from v2v.exports.units import Page

#: How shapes are grouped into layers: one layer per colour, or no layers.
GROUPINGS = ("color", "none")
#: How shapes are stacked: painted over each other (today's SVG) or cut out (no overlaps).
STACKINGS = ("stacked", "cutout")


@dataclass(frozen=True)
class Target:
    """Where the drawing goes: ``page`` (size and unit) and ``grouping`` (one of GROUPINGS)."""

    page: Page
    grouping: str = "color"


Writer = Callable[["Drawing", Target], bytes]


@dataclass(frozen=True)
class ExportFormat:
    """One output format. ``drawing`` False: the file holds the palette, not the drawing."""

    name: str
    media_type: str
    extension: str
    writer: Writer
    description: str
    drawing: bool = True


FORMATS: dict[str, ExportFormat] = {}


def register(entry: ExportFormat) -> ExportFormat:
    """Add ``entry`` (a name may be registered once)."""
    if entry.name in FORMATS:
        raise ValueError(f"export format {entry.name!r} is registered twice")
    FORMATS[entry.name] = entry
    return entry


def get_format(name: str) -> ExportFormat:
    """The format called ``name`` (case-insensitive); InputError listing the known ones."""
    found = FORMATS.get(name.strip().lower())
    if found is None:
        raise InputError(f"unknown export format {name!r}; choose one of: {', '.join(FORMATS)}")
    return found
