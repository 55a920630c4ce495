"""The map of surviving regions (``owners``) and each region's bounding box in it, for the
window rules (:mod:`v2v.stages.stylize.glass` and the modules beside it) that read a region's
pixels: only its box is read."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from v2v.stages.stylize.raster import Labels
from v2v.stages.stylize.regions import RegionGraph

#: Each region's bounding box in an ``owners`` map (``region_boxes``): None where it has no pixel.
Boxes = list[tuple[slice, slice] | None]


def region_boxes(owners: Labels) -> Boxes:
    """The bounding box of each region of ``owners`` (the (h, w) map of surviving regions, -1
    outside), indexed by region."""
    return list(ndimage.find_objects(owners + 1))


def footprint(group: list[int], owners: Labels, boxes: Boxes | None = None) -> tuple[float, float]:
    """Share of its bounding box the group fills, and its ground contact: the share of its
    bottom-most pixels (one per column) that have the background right below them. With the
    regions' ``boxes`` only the group's box and the row under it are read (the same figures:
    nothing outside them is the group's)."""
    box = None if boxes is None else box_of(group, boxes)
    if box is not None:
        owners = owners[box[0].start : box[0].stop + 1, box[1]]
    inside = np.isin(owners, group)
    rows, cols = np.nonzero(inside)
    box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    below = np.zeros_like(inside)
    below[:-1] = inside[:-1] & ~inside[1:]
    ground = below[:-1] & (owners[1:] < 0)
    return rows.size / box, float(ground.sum()) / max(float(below.sum()), 1.0)


def sky_contact(group: list[int], owners: Labels, boxes: Boxes) -> float:
    """The share of the group's top-most pixels (one per column and run: each pixel of the
    group with none of it right above) that have the background, or the image's edge, right
    above them: a roof's top is the silhouette's, a window's is the body's. Only the group's
    box and the row over it are read."""
    box = box_of(group, boxes)
    if box is None:
        return 0.0
    top = max(box[0].start - 1, 0)
    crop = owners[top : box[0].stop, box[1]]
    inside = np.isin(crop, group)
    over = np.vstack([np.full((1, crop.shape[1]), -1), crop[:-1]])
    if box[0].start > 0:  # the crop's first row is the row over the box: not the group's
        inside[0] = False
    first = inside & ~np.isin(over, group)
    return float((first & (over < 0)).sum()) / max(float(first.sum()), 1.0)


def owners_and_boxes(graph: RegionGraph, labels: Labels) -> tuple[Labels, Boxes]:
    """The (h, w) map of surviving regions (each original region's root; -1 outside) from
    ``labels``, the (h, w) int32 map of the graph's original regions, and ``region_boxes``
    of it."""
    owners = np.where(labels >= 0, graph.roots()[np.maximum(labels, 0)], -1)
    return owners, region_boxes(owners)


def box_of(group: list[int], boxes: Boxes) -> tuple[slice, slice] | None:
    """The bounding box of the group's regions that have a box in ``boxes``; None if none has."""
    found = [box for r in group if r < len(boxes) and (box := boxes[r]) is not None]
    if not found:
        return None
    y0, x0 = min(b[0].start for b in found), min(b[1].start for b in found)
    y1, x1 = max(b[0].stop for b in found), max(b[1].stop for b in found)
    return slice(y0, y1), slice(x0, x1)
