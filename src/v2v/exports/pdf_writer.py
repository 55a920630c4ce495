"""PDF and EPS: vector paths, filled with the palette colours, outlined at the stroke width in
points whatever the page size (the style guide's non-scaling 2 pt line).

PDF is written with ReportLab (BSD licence, pure-Python wheels, no system library): each colour
layer is one even-odd filled path, so the file has one fill operator per colour and no image.
EPS is plain PostScript written here (a page of moveto/lineto/curveto/closepath/eofill: the
format is text and needs no library); its %%BoundingBox is the page in points.

Both map user units to the page with ``[s 0 0 -s 0 H]`` (y down in SVG, up in PDF/PostScript).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from v2v import __version__
from v2v.exports.drawing import Drawing
from v2v.exports.registry import Target
from v2v.stages.vectorize.cleanup import PathGeometry

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

CREATOR = f"vehicle-to-vector {__version__}"
Segment = tuple[str, tuple[float, ...]]


def segments(path: PathGeometry) -> Iterator[Segment]:
    """('M'|'L', (x, y)), ('C', (x1, y1, x2, y2, x, y)) or ('Z', ()) in path order."""
    position = 0
    points = path.points
    for command in path.commands:
        count = {"M": 1, "L": 1, "C": 3, "Z": 0}[command]
        chunk = points[position : position + count].ravel()
        position += count
        yield command, tuple(float(v) for v in chunk)


def _rgb(color: str) -> tuple[float, float, float]:
    value = int(color.lstrip("#"), 16)
    return (value >> 16) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255


# -- PDF -------------------------------------------------------------------------------------


def _pdf_path(pdf: Canvas, paths: tuple[PathGeometry, ...]) -> Any:
    outline = pdf.beginPath()
    for path in paths:
        for command, values in segments(path):
            if command == "M":
                outline.moveTo(*values)
            elif command == "L":
                outline.lineTo(*values)
            elif command == "C":
                outline.curveTo(*values)
            else:
                outline.close()
    return outline


def write_pdf(drawing: Drawing, target: Target) -> bytes:
    """A one-page vector PDF of ``drawing``, the page ``target.page`` in points."""
    from reportlab.lib.colors import HexColor  # imported here: `import v2v` stays fast
    from reportlab.pdfgen.canvas import FILL_EVEN_ODD, Canvas

    width, height = target.page.points
    scale = width / drawing.width
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=(width, height), pageCompression=1, invariant=1)
    pdf.setTitle(drawing.title)
    pdf.setCreator(CREATOR)
    pdf.setProducer(CREATOR)
    pdf.transform(scale, 0, 0, -scale, 0, height)
    if drawing.background is not None:
        pdf.setFillColor(HexColor(drawing.background))
        pdf.rect(0, 0, drawing.width, drawing.height, stroke=0, fill=1)
    pdf.setLineJoin(1)
    pdf.setLineCap(1)
    stroke = drawing.stroke
    if stroke is not None:
        pdf.setStrokeColor(HexColor(stroke.color))
        pdf.setLineWidth(stroke.width / scale)
    for group in drawing.groups:
        pdf.setFillColor(HexColor(group.color))
        for path in group.paths:  # one by one, as SVG paints them (fill, then its outline)
            outline = _pdf_path(pdf, (path,))
            pdf.drawPath(outline, fill=1, stroke=int(stroke is not None), fillMode=FILL_EVEN_ODD)
    line = drawing.centerline_stroke
    if drawing.centerlines and line is not None:
        pdf.setStrokeColor(HexColor(line.color))
        pdf.setLineWidth(line.width / scale)
        pdf.drawPath(_pdf_path(pdf, drawing.centerlines), fill=0, stroke=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# -- EPS -------------------------------------------------------------------------------------


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _ps_path(paths: tuple[PathGeometry, ...]) -> Iterator[str]:
    names = {"M": "m", "L": "l", "C": "c", "Z": "h"}
    for path in paths:
        for command, values in segments(path):
            yield " ".join([*(_number(v) for v in values), names[command]])


def _ps_color(color: str) -> str:
    return " ".join(f"{v:.4f}" for v in _rgb(color)) + " rg"


def write_eps(drawing: Drawing, target: Target) -> bytes:
    """An EPS (PostScript level 2) of ``drawing``; %%BoundingBox is the page in points."""
    width, height = target.page.points
    scale = width / drawing.width
    lines = [
        "%!PS-Adobe-3.0 EPSF-3.0",
        f"%%BoundingBox: 0 0 {math.ceil(width)} {math.ceil(height)}",
        f"%%HiResBoundingBox: 0 0 {_number(width)} {_number(height)}",
        f"%%Title: ({drawing.title.replace('(', '[').replace(')', ']')})",
        f"%%Creator: ({CREATOR})",
        "%%LanguageLevel: 2",
        "%%Pages: 1",
        "%%EndComments",
        "%%BeginProlog",
        "/m {moveto} bind def /l {lineto} bind def /c {curveto} bind def",
        "/h {closepath} bind def /rg {setrgbcolor} bind def",
        "%%EndProlog",
        "%%Page: 1 1",
        "gsave",
        f"[{_number(scale)} 0 0 {_number(-scale)} 0 {_number(height)}] concat",
        "1 setlinejoin 1 setlinecap",
    ]
    if drawing.background is not None:
        lines += [_ps_color(drawing.background), f"0 0 {drawing.width:g} {drawing.height:g}"]
        lines[-1] += " rectfill"
    stroke = drawing.stroke
    outline = "" if stroke is None else f" {_number(stroke.width / scale)} setlinewidth"
    for group in drawing.groups:
        lines.append(f"% layer: {group.label}")
        for path in group.paths:  # one by one, as SVG paints them (fill, then its outline)
            lines += ["newpath", *_ps_path((path,))]
            lines.append(f"gsave {_ps_color(group.color)} eofill grestore")
            if stroke is not None:
                lines.append(f"{_ps_color(stroke.color)}{outline} stroke")
    line = drawing.centerline_stroke
    if drawing.centerlines and line is not None:
        lines += ["% layer: Centerlines", "newpath", *_ps_path(drawing.centerlines)]
        lines += [f"{_ps_color(line.color)} {_number(line.width / scale)} setlinewidth stroke"]
    lines += ["grestore", "showpage", "%%Trailer", "%%EOF", ""]
    return "\n".join(lines).encode("ascii", errors="replace")
