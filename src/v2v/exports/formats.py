"""The built-in export formats, one registry entry each.

Each writer is imported when it first writes a file, not when the formats are listed: the
command line names the formats in its help, and ``v2v --help`` must stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from v2v.exports.registry import ExportFormat, Target, Writer, register

if TYPE_CHECKING:
    from v2v.exports.drawing import Drawing


def _writer(module: str, name: str) -> Writer:
    """The writer function ``name`` of ``v2v.exports.<module>``, imported on its first call."""

    def write(drawing: Drawing, target: Target) -> bytes:
        function: Writer = getattr(importlib.import_module(f"v2v.exports.{module}"), name)
        return function(drawing, target)

    write.__name__ = write.__qualname__ = name
    return write


_SVG, _PDF, _DXF = "svg_writer", "pdf_writer", "dxf_writer"
_PNG, _SWATCHES = "raster_writer", "swatches"
BUILT_IN = (
    ExportFormat(
        "svg", "image/svg+xml", "svg", _writer(_SVG, "write_svg"), "SVG, layers per colour"
    ),
    ExportFormat("pdf", "application/pdf", "pdf", _writer(_PDF, "write_pdf"), "vector PDF (print)"),
    ExportFormat(
        "eps", "application/postscript", "eps", _writer(_PDF, "write_eps"),
        "vector EPS (print, cutters)",
    ),
    ExportFormat(
        "dxf", "image/vnd.dxf", "dxf", _writer(_DXF, "write_dxf"),
        "DXF closed polylines (cutters, CAD)",
    ),
    ExportFormat("png", "image/png", "png", _writer(_PNG, "write_png"), "PNG at any size"),
    ExportFormat(
        "ase", "application/octet-stream", "ase", _writer(_SWATCHES, "write_ase"),
        "palette: Adobe", False,
    ),
    ExportFormat(
        "gpl", "text/plain", "gpl", _writer(_SWATCHES, "write_gpl"), "palette: GIMP/Inkscape",
        False,
    ),
)  # fmt: skip
for _entry in BUILT_IN:
    register(_entry)
