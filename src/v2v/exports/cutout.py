"""Cut-out shape stacking: the visible part of each colour layer, as non-overlapping shapes.

The stacked drawing paints colour layers on top of each other (a body under its windows). A
cutter or a CAD tool wants the opposite: every point of the vehicle in exactly one shape, and
neighbours sharing their borders exactly. This is done as a planar partition, not as one
boolean difference after another (each of which would snap its own intersection points and
leave hair-line gaps or overlaps between neighbours):

1. every layer's fill (its paths flattened, even-odd, unioned) is one region;
2. all region boundaries are noded together in one operation on a fine grid, and polygonized
   into faces, which tile the plane and share their edges exactly;
3. each face goes to the topmost layer that contains it (what a viewer of the stacked drawing
   sees there), or to nobody (background);
4. each layer's faces are merged with a coverage union, which drops the shared inner edges but
   moves no vertex, so borders between layers stay identical on both sides.

Curves become polylines (the flattening error is far below a pixel at working size); rings
are oriented (outer counter-clockwise, holes clockwise), so the even-odd and non-zero fill
rules agree.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from v2v.exports.drawing import Drawing, Group
from v2v.stages.vectorize.cleanup import PathGeometry, shape_polygon

#: Coordinates are snapped to this grid (user units) when the boundaries are noded.
GRID = 1.0 / 1024.0


def _region(group: Group) -> BaseGeometry:
    parts = [shape_polygon(path) for path in group.paths]
    return shapely.make_valid(shapely.union_all(parts)) if parts else shapely.Polygon()


def _polygons(geometry: BaseGeometry) -> list[shapely.Polygon]:
    parts = shapely.get_parts(geometry)
    return [p for p in parts if isinstance(p, shapely.Polygon) and not p.is_empty]


def _faces(regions: list[BaseGeometry]) -> list[shapely.Polygon]:
    boundaries = [shapely.boundary(region) for region in regions if not region.is_empty]
    noded = shapely.union_all(boundaries, grid_size=GRID)
    return _polygons(shapely.polygonize(shapely.get_parts(noded)))


def _owners(faces: list[shapely.Polygon], regions: list[BaseGeometry]) -> np.ndarray:
    """int (F,): for each face the index of the topmost region containing it, -1 for none."""
    points = shapely.point_on_surface(faces)
    x, y = shapely.get_x(points), shapely.get_y(points)
    owners = np.full(len(faces), -1, dtype=np.intp)
    for index, region in enumerate(regions):
        if region.is_empty:
            continue
        shapely.prepare(region)
        owners[shapely.contains_xy(region, x, y)] = index
    return owners


def path_from_polygon(polygon: shapely.Polygon) -> PathGeometry:
    """A polygon (with holes) → 'M … L … Z' subpaths, one per ring."""
    oriented = shapely.orient_polygons(polygon, exterior_cw=False)
    commands: list[str] = []
    points: list[np.ndarray] = []
    for ring in [oriented.exterior, *oriented.interiors]:
        coordinates = np.asarray(ring.coords)[:-1]
        if len(coordinates) < 3:
            continue
        commands.append("M" + "L" * (len(coordinates) - 1) + "Z")
        points.append(coordinates)
    if not points:
        return PathGeometry("", np.zeros((0, 2)))
    return PathGeometry("".join(commands), np.vstack(points))


def layer_shapes(drawing: Drawing) -> list[list[shapely.Polygon]]:
    """For each group of ``drawing`` (paint order), its visible polygons: non-overlapping,
    borders shared exactly with the neighbouring groups' polygons."""
    regions = [_region(group) for group in drawing.groups]
    faces = _faces(regions)
    owners = _owners(faces, regions) if faces else np.zeros(0, dtype=np.intp)
    out: list[list[shapely.Polygon]] = []
    for index in range(len(regions)):
        mine = [faces[i] for i in np.flatnonzero(owners == index)]
        merged = shapely.coverage_union_all(mine) if mine else shapely.Polygon()
        out.append(_polygons(merged))
    return out


def cut_out(drawing: Drawing) -> Drawing:
    """``drawing`` with each group's paths replaced by its visible, non-overlapping polygons
    (groups that end up hidden are dropped). Paint, strokes and centerlines are unchanged."""
    groups = []
    for group, polygons in zip(drawing.groups, layer_shapes(drawing), strict=True):
        paths = tuple(path_from_polygon(p) for p in polygons)
        paths = tuple(p for p in paths if p.commands)
        if paths:
            groups.append(replace(group, paths=paths))
    return replace(drawing, groups=tuple(groups))
