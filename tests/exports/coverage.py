"""Counting how a cut-out drawing covers the vehicle, by rasterisation (tests and benchmark).

Each colour layer of the cut-out is rendered alone at ``scale``× with anti-aliasing off
(``shape-rendering="crispEdges"``: a pixel is in a shape when its centre is), fills only.
Summing the layers gives how many shapes cover each pixel. The vehicle is the stacked drawing
rendered the same way. Curves are flattened differently by our cut-out (polylines) and by the
renderer (the stacked curves), so the silhouette's own edge can differ by a fraction of a
pixel: uncovered pixels are counted away from it (more than ``edge`` px at the raster scale),
and the silhouettes are compared separately (share of differing pixels).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import numpy as np
import resvg_py
from PIL import Image
from scipy import ndimage

from v2v.exports.cutout import cut_out
from v2v.exports.drawing import Drawing
from v2v.exports.registry import Target
from v2v.exports.svg_writer import svg_text
from v2v.exports.units import Page


@dataclass(frozen=True)
class Coverage:
    vehicle_pixels: int
    uncovered: int  # vehicle pixels (away from the silhouette's edge) in no shape
    doubly_covered: int  # pixels in two or more shapes, anywhere
    silhouette_difference: float  # share of vehicle pixels where the silhouettes differ


def layer_alpha(drawing: Drawing, scale: float) -> np.ndarray:
    """bool (H·scale, W·scale): pixels whose centre a fill of ``drawing`` covers."""
    bare = replace(drawing, stroke=None, centerlines=(), background=None)
    page = Page(drawing.width * scale, drawing.height * scale, "px", drawing.width, drawing.height)
    text = svg_text(bare, Target(page)).replace("<svg ", '<svg shape-rendering="crispEdges" ', 1)
    png = bytes(resvg_py.svg_to_bytes(svg_string=text, skip_system_fonts=True))
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))[..., 3] > 0


def coverage(drawing: Drawing, scale: float = 4.0, edge: int = 2) -> Coverage:
    cut = cut_out(drawing)
    vehicle = layer_alpha(drawing, scale)
    count = np.zeros(vehicle.shape, np.int32)
    for group in cut.groups:
        count += layer_alpha(replace(cut, groups=(group,)), scale)
    near_edge = ndimage.binary_dilation(~vehicle, iterations=edge)
    differ = (count > 0) != vehicle
    return Coverage(
        vehicle_pixels=int(vehicle.sum()),
        uncovered=int(((count == 0) & vehicle & ~near_edge).sum()),
        doubly_covered=int((count > 1).sum()),
        silhouette_difference=float(differ.sum() / max(1, vehicle.sum())),
    )
