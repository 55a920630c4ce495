"""Speck removal on a palette label map.

A speck is a connected component (8-connectivity, equal label) smaller than ``min_area``
pixels. The pixels are read once: one scikit-image pass labels every component, one
``np.bincount`` measures them, and the pairs of 8-adjacent pixels on component boundaries (a
few percent of the image) are counted with one ``np.unique`` into a region adjacency graph
(nodes = components, edge weights = shared boundary length). The merging then runs on that
graph alone, and one final gather paints the result. The cost is
O(pixels + boundary · log boundary), independent of the number of colours and components.

Rules:
- the background (label -1, node 0) never changes and never grows into the vehicle: it casts
  no votes;
- a speck takes the majority label, weighted by shared boundary length, of its neighbouring
  vehicle regions that rank above it (larger, or as large with a higher node id). The strict
  order means two touching specks can never swap colours, so passes converge: the smallest
  speck of a cluster always has a neighbour above it and merges first. A speck then joins every
  adjacent region of its new label, and the next pass sees the merged region;
- a speck with no vehicle neighbour at all (an isolated fleck of vehicle mask, surrounded by
  background and the image border) becomes background when ``drop_isolated`` is true. This is
  the only way a vehicle pixel becomes background; a vehicle region of ``min_area`` pixels or
  more is never dropped, even if it is made of smaller pieces (they merge first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from v2v.errors import InputError

BACKGROUND = -1
IntArray = NDArray[np.int64]
#: Pairs of slices selecting each pixel and its right, lower, lower-right and lower-left
#: neighbour: together they visit every 8-connected pair of pixels once.
_OFFSETS = (
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
    ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
    ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None))),
    ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1))),
)
#: Above this many (speck, colour) cells the votes are counted by sorting instead of a dense
#: table (bounds the table to 128 MiB).
_DENSE_VOTES_LIMIT = 1 << 24


@dataclass(frozen=True)
class RegionGraph:
    """Regions (node 0 = background) and their adjacency. Each undirected edge is stored once.

    size: int64 (N,) pixels per node; label: int16 (N,) palette index or -1; first, second:
    int64 (E,) node ids of each edge, first != second; weight: int64 (E,) boundary pixel pairs.
    """

    size: IntArray
    label: NDArray[np.int16]
    first: IntArray
    second: IntArray
    weight: IntArray


def build_graph(labels: NDArray[np.int16]) -> tuple[NDArray[np.int64], RegionGraph]:
    """Component ids int64 (H, W) (0 = background) and the region adjacency graph."""
    from skimage.measure import label as label_components  # lazy: keeps `import v2v` fast

    components, count = label_components(
        labels, background=BACKGROUND, connectivity=2, return_num=True
    )
    size = np.bincount(components.ravel(), minlength=count + 1).astype(np.int64)
    node_label = np.full(count + 1, BACKGROUND, dtype=np.int16)
    node_label[components.ravel()] = labels.ravel()
    keys, runs = [], []
    for first_slice, second_slice in _OFFSETS:
        first, second = components[first_slice], components[second_slice]
        differs = first != second
        first, second = first[differs], second[differs]
        key, run = _run_lengths(np.minimum(first, second) * (count + 1) + np.maximum(first, second))
        keys.append(key)
        runs.append(run)
    edges, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    weight = np.bincount(inverse, weights=np.concatenate(runs)).astype(np.int64)
    graph = RegionGraph(size, node_label, edges // (count + 1), edges % (count + 1), weight)
    return components, graph


def _run_lengths(keys: IntArray) -> tuple[IntArray, IntArray]:
    """Collapse runs of equal consecutive keys: (key, run length). Boundary pairs along one
    edge come in runs, so this shrinks the sort that follows about threefold."""
    if keys.size == 0:  # one region fills the image: no boundary in this direction
        return keys, keys
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    return keys[starts], np.diff(np.append(starts, len(keys)))


def _majority(
    owners: IntArray, votes: IntArray, weights: IntArray, owner_count: int, colors: int
) -> tuple[IntArray, IntArray]:
    """For each owner with votes, the label with the largest total weight (ties: the lower)."""
    if owner_count * colors <= _DENSE_VOTES_LIMIT:
        table = np.bincount(
            owners * colors + votes, weights=weights, minlength=owner_count * colors
        ).reshape(-1, colors)
        voted = np.flatnonzero(table.any(axis=1))
        return voted, np.argmax(table[voted], axis=1)
    unique, inverse = np.unique(owners * colors + votes, return_inverse=True)
    totals = np.bincount(inverse, weights=weights)
    owner, vote = unique // colors, unique % colors
    order = np.lexsort((-totals, owner))
    owner, vote = owner[order], vote[order]
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    return owner[first], vote[first]


def _new_labels(graph: RegionGraph, min_area: int, drop_isolated: bool) -> NDArray[np.int16]:
    """Every node's label after one round of votes (non-specks keep theirs)."""
    size, label = graph.size, graph.label
    small = size < min_area
    small[0] = False
    if not small.any():
        return label
    owners = np.concatenate([graph.first, graph.second])
    neighbours = np.concatenate([graph.second, graph.first])
    weights = np.concatenate([graph.weight, graph.weight])
    keep = small[owners] & (neighbours != 0)
    owners, neighbours, weights = owners[keep], neighbours[keep], weights[keep]
    above = (size[neighbours] > size[owners]) | (
        (size[neighbours] == size[owners]) & (neighbours > owners)
    )
    colors = int(label.max()) + 1
    winners, votes = _majority(
        owners[above], label[neighbours[above]].astype(np.int64), weights[above], len(size), colors
    )
    new_label = label.copy()
    new_label[winners] = votes
    if drop_isolated:
        has_vehicle_neighbour = np.zeros(len(size), dtype=bool)
        has_vehicle_neighbour[owners] = True
        new_label[small & ~has_vehicle_neighbour] = BACKGROUND
    return new_label


def _merge(graph: RegionGraph, new_label: NDArray[np.int16]) -> tuple[IntArray, RegionGraph]:
    """Join recoloured nodes with their same-label neighbours; returns old → new node ids."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    count = len(new_label)
    changed = new_label != graph.label
    first, second = graph.first, graph.second
    join = (new_label[first] == new_label[second]) & (changed[first] | changed[second])
    dropped = np.flatnonzero(new_label == BACKGROUND)
    rows = np.concatenate([first[join], dropped])
    cols = np.concatenate([second[join], np.zeros(len(dropped), dtype=np.int64)])
    matrix = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(count, count))
    _, group = connected_components(matrix, directed=False)
    swap = group[0]  # the background's group becomes node 0
    group = np.where(group == swap, 0, np.where(group == 0, swap, group)).astype(np.int64)
    groups = int(group.max()) + 1
    merged_label = np.empty(groups, dtype=np.int16)
    merged_label[group] = new_label
    edge_first, edge_second = group[first], group[second]
    keep = edge_first != edge_second
    merged = RegionGraph(
        np.bincount(group, weights=graph.size, minlength=groups).astype(np.int64),
        merged_label,
        edge_first[keep],
        edge_second[keep],
        graph.weight[keep],
    )
    return group, merged


def remove_specks(
    labels: NDArray[np.int16], min_area: int, max_passes: int = 50, drop_isolated: bool = True
) -> tuple[NDArray[np.int16], int]:
    """Merge every component smaller than ``min_area`` pixels into its neighbours.

    labels: int16 (H, W), palette index or -1 (background). Returns a new int16 (H, W) map and
    the number of speck components of the input that were recoloured (merged or, when isolated,
    dropped to background). Rounds of votes repeat on the region graph until nothing changes
    or ``max_passes`` is reached. See the module docstring for the rules.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.dtype != np.int16:
        raise InputError(
            f"remove_specks needs an int16 (H, W) label map, got {labels.dtype} {labels.shape}"
        )
    if min_area <= 1 or labels.size == 0:
        return labels.copy(), 0
    components, graph = build_graph(labels)
    initial_label, initial_small = graph.label, graph.size < min_area
    initial_small[0] = False
    node_of = np.arange(len(graph.size), dtype=np.int64)
    for _ in range(max_passes):
        new_label = _new_labels(graph, min_area, drop_isolated)
        if np.array_equal(new_label, graph.label):
            break
        group, graph = _merge(graph, new_label)
        node_of = group[node_of]
    final_label = graph.label[node_of]
    removed = int(np.count_nonzero(initial_small & (final_label != initial_label)))
    result: NDArray[np.int16] = final_label[components]
    return result, removed
