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


def edge_contact(group: list[int], owners: Labels, boxes: Boxes | None, side: str) -> float:
    """The share of the group's columns whose outermost pixel on ``side`` ("top": the first
    row per column, "bottom": the last) has the background right beyond it: a roof's top is
    the silhouette's, a wheel's bottom stands on the ground, a window's is the body's. A column
    whose outermost pixel is on the image's edge counts neither way (as the graph's
    ``background`` and ``footprint`` leave the image's edge out; ``footprint`` still counts
    the bottom of every run of the group's pixels in a column, over a hole too). With the
    regions' ``boxes`` only the group's box and the row beyond it are read (the same figure:
    nothing outside is the group's); 0 for a group with no box."""
    box = None if boxes is None else box_of(group, boxes)
    if boxes is not None and box is None:
        return 0.0
    if box is not None:
        rows, cols = box
        if side == "top":
            owners = owners[max(rows.start - 1, 0) : rows.stop, cols]
        else:
            owners = owners[rows.start : rows.stop + 1, cols]
    if side == "top":  # look downwards in a flipped crop
        owners = owners[::-1]
    inside = np.isin(owners, group)
    present = inside.any(axis=0)
    last = inside.shape[0] - 1 - np.argmax(inside[::-1], axis=0)
    counted = present & (last + 1 < inside.shape[0])
    beyond = owners[np.minimum(last + 1, inside.shape[0] - 1), np.arange(inside.shape[1])]
    contact = counted & (beyond < 0)
    return float(contact.sum()) / max(float(counted.sum()), 1.0)


def footprint(group: list[int], owners: Labels, boxes: Boxes | None = None) -> tuple[float, float]:
    """Share of its bounding box the group fills, and its ground contact: the share of its
    bottom pixels (one per column and run) that have the background right below them. With the
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
    """The group's ``edge_contact`` at the top: a roof hangs from the silhouette's top."""
    return edge_contact(group, owners, boxes, "top")


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
