"""Strategy B: centerline detail strokes from the phase II edge map.

The edge map is thinned to a one-pixel skeleton, the skeleton is split at its junctions and
ends into pixel chains, and each chain becomes an open polyline (Douglas–Peucker simplified).
Edges on the vehicle's outline and, when fills are outlined, on colour boundaries are left out:
those lines are already drawn by the fills' strokes.
"""

from __future__ import annotations

import cv2
import numpy as np
import shapely
from numpy.typing import NDArray
from skimage.morphology import skeletonize

from v2v.svg.document import format_number

Polyline = NDArray[np.float64]
_OFFSETS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


def boundary_mask(labels: NDArray[np.int16], width_px: int = 2) -> NDArray[np.bool_]:
    """Bool (H, W): pixels within ``width_px`` of a change of label (colour or outline)."""
    padded = np.pad(labels, 1, mode="edge")
    changed = np.zeros(labels.shape, dtype=bool)
    for dy, dx in ((0, 1), (1, 0), (1, 2), (2, 1)):
        changed |= padded[dy : dy + labels.shape[0], dx : dx + labels.shape[1]] != labels
    size = 2 * width_px + 1
    grown = cv2.dilate(changed.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    mask: NDArray[np.bool_] = grown
    return mask


def _adjacency(skeleton: NDArray[np.bool_]) -> tuple[NDArray[np.intp], list[list[int]]]:
    """(pixel coordinates (N, 2) as (row, col), neighbour ids per pixel, 8-connected)."""
    coords = np.argwhere(skeleton)
    ids = np.full((skeleton.shape[0] + 2, skeleton.shape[1] + 2), -1, dtype=np.intp)
    ids[coords[:, 0] + 1, coords[:, 1] + 1] = np.arange(len(coords))
    neighbours: list[list[int]] = [[] for _ in range(len(coords))]
    for dy, dx in _OFFSETS:
        other = ids[coords[:, 0] + 1 + dy, coords[:, 1] + 1 + dx]
        for source in np.flatnonzero(other >= 0):
            neighbours[source].append(int(other[source]))
    return coords, neighbours


def _next_pixel(
    chain: list[int], neighbours: list[list[int]], is_node: list[bool], visited: list[bool]
) -> int | None:
    """Where a walk along ``chain`` goes next: a node if one is adjacent, else an unvisited
    pixel; never straight back, nor back to its start before it has left it."""
    previous, current = chain[-2], chain[-1]
    candidates = [n for n in neighbours[current] if n != previous]
    for n in candidates:
        if is_node[n] and (n != chain[0] or len(chain) >= 3):
            return n
    for n in candidates:
        if not is_node[n] and not visited[n]:
            return n
    return None


def _walk(
    start: int, first: int, neighbours: list[list[int]], is_node: list[bool], visited: list[bool]
) -> list[int]:
    """Follow a chain of degree-2 pixels from node ``start`` through ``first`` to a node."""
    chain = [start, first]
    while not is_node[chain[-1]]:
        visited[chain[-1]] = True
        step = _next_pixel(chain, neighbours, is_node, visited)
        if step is None:
            break
        chain.append(step)
    return chain


def _chains(skeleton: NDArray[np.bool_]) -> list[Polyline]:
    """Pixel chains of a skeleton as (n, 2) float (x, y) pixel centres."""
    coords, neighbours = _adjacency(skeleton)
    is_node = [len(n) != 2 for n in neighbours]
    visited = [False] * len(coords)
    chains: list[list[int]] = []
    for node in (i for i, flag in enumerate(is_node) if flag):
        for first in neighbours[node]:
            if not is_node[first] and not visited[first]:
                chains.append(_walk(node, first, neighbours, is_node, visited))
    for pixel in range(len(coords)):
        if not visited[pixel] and not is_node[pixel]:  # closed loops have no node
            is_node[pixel] = True
            chains.append(_walk(pixel, neighbours[pixel][0], neighbours, is_node, visited))
    return [coords[chain][:, ::-1].astype(np.float64) + 0.5 for chain in chains]


def _length(points: Polyline) -> float:
    return float(np.hypot(*np.diff(points, axis=0).T).sum())


def centerlines(
    edges: NDArray[np.uint8],
    inside: NDArray[np.bool_],
    min_length: float,
    simplify: float,
) -> list[Polyline]:
    """Open polylines (n, 2) float64, (x, y) in working-image px, along the edge map.

    ``edges`` uint8 (H, W), 0/255; ``inside`` bool (H, W), where lines may go (the vehicle
    minus lines already drawn). Chains shorter than ``min_length`` px are dropped; the rest
    are simplified with Douglas–Peucker tolerance ``simplify`` px.
    """
    candidate = (edges > 0) & inside
    if not candidate.any():
        return []
    skeleton = skeletonize(candidate)
    lines = []
    for chain in _chains(skeleton):
        if len(chain) < 2 or _length(chain) < min_length:
            continue
        if simplify > 0:
            line = shapely.simplify(shapely.LineString(chain), simplify, preserve_topology=False)
            chain = np.asarray(line.coords, dtype=np.float64)
        lines.append(chain)
    return lines


def polyline_data(points: Polyline, precision: int) -> str:
    """An open path 'M x y L x y …' with ``precision`` decimals."""
    numbers = [f"{format_number(x, precision)} {format_number(y, precision)}" for x, y in points]
    return "M" + " L".join(numbers)
