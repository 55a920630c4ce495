"""DXF for cutters and CAD, written with ezdxf (MIT): one closed LWPOLYLINE per ring of every
shape (outer borders and holes; curves flattened to well under a pixel), in page units with y
up, ``$INSUNITS`` set to the unit (px: unitless).

Grouping 'color' puts each colour on its own DXF layer, named like the SVG layer and set to
that colour (true colour, so the palette's exact RGB); 'none' puts every shape on layer '0'
with the colour on the entity. Centerlines are open polylines on a 'Centerlines' layer.
Outline strokes are not drawn: in a DXF the polyline is the cut line itself.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import numpy as np

from v2v.exports.drawing import Drawing, Group
from v2v.exports.registry import Target
from v2v.stages.vectorize.cleanup import flatten_rings

if TYPE_CHECKING:
    from ezdxf.document import Drawing as DxfDocument

#: $INSUNITS codes (ezdxf.units: MM 4, CM 5, IN 1; 0 unitless). ezdxf is imported when a DXF
#: is written, so `import v2v` and the CLI stay fast.
INSUNITS = {"px": 0, "mm": 4, "cm": 5, "in": 1}
_LAYER_NAME = re.compile(r'[<>/\\":;?*|=`]+')


def layer_name(group: Group) -> str:
    """A DXF layer name for ``group``: its label, '#' and forbidden characters replaced."""
    return _LAYER_NAME.sub("_", group.label.replace("#", "")).strip() or "Colour"


def _rgb(color: str) -> tuple[int, int, int]:
    value = int(color.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 255, value & 255


def _to_page(ring: np.ndarray, scale: float, height: float) -> list[tuple[float, float]]:
    x = ring[:, 0] * scale
    y = (height - ring[:, 1]) * scale
    return list(zip(x.round(6).tolist(), y.round(6).tolist(), strict=True))


def _document(target: Target) -> DxfDocument:
    import ezdxf

    document = ezdxf.new("R2010", setup=False)
    document.header["$INSUNITS"] = INSUNITS[target.page.unit]
    document.header["$MEASUREMENT"] = 0 if target.page.unit in {"in", "px"} else 1
    return document


def write_dxf(drawing: Drawing, target: Target) -> bytes:
    """A DXF (R2010, ASCII) of ``drawing`` at ``target.page`` size."""
    from ezdxf import rgb2int

    document = _document(target)
    space = document.modelspace()
    scale = target.page.scale
    for group in drawing.groups:
        attributes: dict[str, object] = {"layer": "0"}
        if target.grouping == "color":
            name = layer_name(group)
            if name not in document.layers:
                document.layers.add(name, true_color=rgb2int(_rgb(group.color)))
            attributes = {"layer": name}
        else:
            attributes["true_color"] = rgb2int(_rgb(group.color))
        for path in group.paths:
            for ring in flatten_rings(path):
                points = _to_page(ring, scale, drawing.height)
                space.add_lwpolyline(points, close=True, dxfattribs=attributes)
    line = drawing.centerline_stroke
    if drawing.centerlines and line is not None:
        document.layers.add("Centerlines", true_color=rgb2int(_rgb(line.color)))
        for path in drawing.centerlines:
            points = _to_page(path.points, scale, drawing.height)
            space.add_lwpolyline(points, close=False, dxfattribs={"layer": "Centerlines"})
    stream = io.StringIO()
    document.write(stream)
    return stream.getvalue().encode("utf-8")
