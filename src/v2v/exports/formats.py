"""The built-in export formats, one registry entry each."""

from __future__ import annotations

from v2v.exports.dxf_writer import write_dxf
from v2v.exports.pdf_writer import write_eps, write_pdf
from v2v.exports.raster_writer import write_png
from v2v.exports.registry import ExportFormat, register
from v2v.exports.svg_writer import write_svg
from v2v.exports.swatches import write_ase, write_gpl

BUILT_IN = (
    ExportFormat("svg", "image/svg+xml", "svg", write_svg, "SVG, layers per colour"),
    ExportFormat("pdf", "application/pdf", "pdf", write_pdf, "vector PDF (print)"),
    ExportFormat("eps", "application/postscript", "eps", write_eps, "vector EPS (print, cutters)"),
    ExportFormat("dxf", "image/vnd.dxf", "dxf", write_dxf, "DXF closed polylines (cutters, CAD)"),
    ExportFormat("png", "image/png", "png", write_png, "PNG at any size"),
    ExportFormat("ase", "application/octet-stream", "ase", write_ase, "palette: Adobe", False),
    ExportFormat("gpl", "text/plain", "gpl", write_gpl, "palette: GIMP/Inkscape", False),
)
for _entry in BUILT_IN:
    register(_entry)
