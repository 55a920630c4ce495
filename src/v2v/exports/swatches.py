"""Palette swatch files: Adobe Swatch Exchange (.ase: Illustrator, Photoshop, InDesign, Affinity)
and GIMP palette (.gpl: GIMP, Inkscape, Krita). Both list the drawing's swatches (the run's
whole palette when the caller gives it, else the colours the drawing uses), with their names.

ASE layout (big-endian): 'ASEF', version 1.0, block count; a group start block holding the
palette's name, one colour block per swatch (UTF-16 name with terminator, model 'RGB ', three
float32 0..1, type 2 = normal), a group end block.
"""

from __future__ import annotations

import struct

from v2v.exports.drawing import Drawing
from v2v.exports.registry import Target

_GROUP_START, _GROUP_END, _COLOR = 0xC001, 0xC002, 0x0001
_NORMAL = 2


def _ase_name(name: str) -> bytes:
    encoded = (name + "\0").encode("utf-16-be")
    return struct.pack(">H", len(encoded) // 2) + encoded


def _block(kind: int, body: bytes) -> bytes:
    return struct.pack(">HI", kind, len(body)) + body


def _rgb(color: str) -> tuple[int, int, int]:
    value = int(color.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 255, value & 255


def _palette_name(drawing: Drawing) -> str:
    return drawing.swatch_name or "vehicle-to-vector"


def write_ase(drawing: Drawing, target: Target) -> bytes:
    """The swatches as an .ase file (one group named after the drawing)."""
    blocks = [_block(_GROUP_START, _ase_name(_palette_name(drawing)))]
    for name, color in drawing.swatches:
        values = [v / 255 for v in _rgb(color)]
        body = _ase_name(f"{name} {color}" if name != color else color)
        body += b"RGB " + struct.pack(">fffH", *values, _NORMAL)
        blocks.append(_block(_COLOR, body))
    blocks.append(_block(_GROUP_END, b""))
    return b"ASEF" + struct.pack(">HHI", 1, 0, len(blocks)) + b"".join(blocks)


def write_gpl(drawing: Drawing, target: Target) -> bytes:
    """The swatches as a GIMP palette (text)."""
    lines = ["GIMP Palette", f"Name: {_palette_name(drawing)}", "Columns: 0", "#"]
    for name, color in drawing.swatches:
        red, green, blue = _rgb(color)
        lines.append(f"{red:3d} {green:3d} {blue:3d}\t{name if name != color else color}")
    return ("\n".join(lines) + "\n").encode("utf-8")
