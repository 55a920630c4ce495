"""Independent read-back of exported files (shared by the tests and benchmarks/bench_exports).

PDF: pypdf's content-stream parser; DXF: ezdxf's reader; EPS, ASE, GPL: parsed here from their
published layouts; PNG: Pillow. Each returns plain facts (sizes, colours, counts) to assert on.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field

import ezdxf
import numpy as np
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream


def hex_color(red: float, green: float, blue: float) -> str:
    """0..1 floats → '#RRGGBB'."""
    return "#" + "".join(f"{round(v * 255):02X}" for v in (red, green, blue))


@dataclass
class VectorFacts:
    """What a vector file draws: page in points, fill/stroke colours, operator counts."""

    size: tuple[float, float]
    fill_colors: set[str] = field(default_factory=set)
    stroke_colors: set[str] = field(default_factory=set)
    fills: int = 0
    curves: int = 0
    lines: int = 0
    images: int = 0
    line_widths: set[float] = field(default_factory=set)


def pdf_facts(data: bytes) -> VectorFacts:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    box = page.mediabox
    facts = VectorFacts((float(box.width), float(box.height)))
    resources = page.get("/Resources") or {}
    facts.images = len(resources.get("/XObject") or {})
    content = ContentStream(page.get_contents(), reader)
    for operands, operator in content.operations:
        name = operator.decode("latin-1")
        if name == "rg":
            facts.fill_colors.add(hex_color(*(float(v) for v in operands)))
        elif name == "RG":
            facts.stroke_colors.add(hex_color(*(float(v) for v in operands)))
        elif name in {"f", "f*", "B", "B*", "F"}:
            facts.fills += 1
        elif name == "c":
            facts.curves += 1
        elif name == "l":
            facts.lines += 1
        elif name == "w":
            facts.line_widths.add(float(operands[0]))
        elif name in {"Do", "BI"}:
            facts.images += 1
    return facts


_BOX = re.compile(r"^%%HiResBoundingBox: 0 0 ([\d.]+) ([\d.]+)$", re.MULTILINE)


def eps_facts(data: bytes) -> VectorFacts:
    """EPS facts from its DSC comments and PostScript tokens (colours: 'r g b setrgbcolor',
    which this product's prolog abbreviates as 'rg')."""
    text = data.decode("ascii")
    assert text.startswith("%!PS-Adobe-3.0 EPSF-3.0\n")
    match = _BOX.search(text)
    assert match is not None
    facts = VectorFacts((float(match.group(1)), float(match.group(2))))
    body = re.sub(r"%[^\n]*", "", text)
    assert "/rg {setrgbcolor} bind def" in text
    tokens = body.split()
    for index, token in enumerate(tokens):
        if token == "rg":
            color = hex_color(*(float(v) for v in tokens[index - 3 : index]))
            following = tokens[index + 1 : index + 4]
            target = facts.fill_colors if "eofill" in following else facts.stroke_colors
            target.add(color)
        elif token in {"eofill", "fill", "rectfill"}:
            facts.fills += 1
        elif token == "c":
            facts.curves += 1
        elif token == "l":
            facts.lines += 1
        elif token == "setlinewidth":
            facts.line_widths.add(float(tokens[index - 1]))
        elif token in {"image", "colorimage", "imagemask"}:
            facts.images += 1
    return facts


@dataclass
class DxfFacts:
    layers: dict[str, str]  # name → '#RRGGBB'
    closed: int
    open: int
    per_layer: dict[str, int]
    entity_colors: set[str]
    insunits: int
    extents: tuple[float, float, float, float]


def dxf_facts(data: bytes) -> DxfFacts:
    document = ezdxf.read(io.StringIO(data.decode("utf-8")))
    layers = {}
    for layer in document.layers:
        if layer.dxf.name != "0" and layer.rgb is not None:
            layers[layer.dxf.name] = "#{:02X}{:02X}{:02X}".format(*layer.rgb)
    closed = opened = 0
    per_layer: dict[str, int] = {}
    colors: set[str] = set()
    points = []
    for entity in document.modelspace():
        assert entity.dxftype() == "LWPOLYLINE", entity.dxftype()
        closed += int(entity.closed)
        opened += int(not entity.closed)
        per_layer[entity.dxf.layer] = per_layer.get(entity.dxf.layer, 0) + 1
        if entity.rgb is not None:
            colors.add("#{:02X}{:02X}{:02X}".format(*entity.rgb))
        points.append(np.array([p[:2] for p in entity.get_points()]))
    stacked = np.vstack(points)
    extents = (*stacked.min(axis=0).tolist(), *stacked.max(axis=0).tolist())
    return DxfFacts(
        layers, closed, opened, per_layer, colors, document.header["$INSUNITS"], tuple(extents)
    )


def ase_colors(data: bytes) -> list[tuple[str, str]]:
    """(name, '#RRGGBB') of every RGB swatch in an Adobe Swatch Exchange file."""
    assert data[:4] == b"ASEF"
    major, minor, count = struct.unpack(">HHI", data[4:12])
    assert (major, minor) == (1, 0)
    position, out = 12, []
    for _ in range(count):
        kind, length = struct.unpack(">HI", data[position : position + 6])
        body = data[position + 6 : position + 6 + length]
        position += 6 + length
        if kind != 0x0001:
            continue
        (chars,) = struct.unpack(">H", body[:2])
        name = body[2 : 2 + 2 * chars].decode("utf-16-be").rstrip("\0")
        rest = body[2 + 2 * chars :]
        assert rest[:4] == b"RGB "
        red, green, blue = struct.unpack(">fff", rest[4:16])
        out.append((name, hex_color(red, green, blue)))
    assert position == len(data)
    return out


def gpl_colors(data: bytes) -> list[str]:
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "GIMP Palette"
    out = []
    for line in lines[1:]:
        parts = line.split()
        if len(parts) >= 3 and all(p.isdigit() for p in parts[:3]):
            out.append("#" + "".join(f"{int(p):02X}" for p in parts[:3]))
    return out


def png_image(data: bytes) -> tuple[np.ndarray, tuple[float, float] | None]:
    """RGBA uint8 (H, W, 4) and the recorded DPI (None if absent)."""
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        dpi = image.info.get("dpi")
        return np.asarray(image.convert("RGBA")), dpi


def off_palette_share(rgba: np.ndarray, palette: list[str]) -> float:
    """Share of fully opaque pixels whose colour is not a palette colour and that are not next
    to a colour change (anti-aliased borders blend two colours; flat areas must not)."""
    channels = rgba.astype(np.int32)
    packed = (channels[..., 0] << 16) | (channels[..., 1] << 8) | channels[..., 2]
    allowed = np.array([int(c[1:], 16) for c in palette])
    opaque = rgba[..., 3] == 255
    padded = np.pad(np.where(opaque, packed, -1), 1, mode="edge")
    flat = np.ones(packed.shape, bool)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            flat &= padded[dy : dy + packed.shape[0], dx : dx + packed.shape[1]] == packed
    inside = opaque & flat
    return float((~np.isin(packed[inside], allowed)).mean()) if inside.any() else 0.0
