"""Speck removal on a palette label map.

A speck is a connected component (8-connectivity, equal label) smaller than ``min_area``
pixels. Each pass labels every component of the map at once (one scikit-image pass), measures
them with one ``np.bincount``, and collects the votes of neighbouring pixels from the pairs of
adjacent pixels that lie on a component boundary (a few percent of the image), counted with one
``np.unique``. The cost of a pass is O(pixels + boundary · log boundary), independent of the
number of colours and components.

Rules:
- the background (label -1) never changes and never grows into the vehicle: it casts no votes;
- a speck takes the majority label of the neighbouring vehicle pixels that belong to components
  ranking above it (larger, or equally large with a higher component id). The strict order
  means two touching specks can never swap colours, so passes converge: the smallest speck of a
  cluster always has a neighbour above it and merges first;
- a speck with no vehicle neighbour at all (an isolated fleck of vehicle mask, surrounded by
  background and the image border) becomes background when ``drop_isolated`` is true. This is
  the only way a vehicle pixel becomes background; a vehicle region of ``min_area`` pixels or
  more is never dropped, even if it is made of smaller pieces (they merge first).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.errors import InputError

BACKGROUND = -1
#: Pairs of slices selecting each pixel and its right, lower, lower-right and lower-left
#: neighbour: together they visit every 8-connected pair of pixels once.
_OFFSETS = (
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
    ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),
    ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None))),
    ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1))),
)


def _boundary_pairs(components: NDArray[np.int32]) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """(component, neighbouring component) for every ordered pair of 8-adjacent pixels that
    belong to different components, in both directions."""
    owners: list[NDArray[np.int32]] = []
    neighbours: list[NDArray[np.int32]] = []
    for first_slice, second_slice in _OFFSETS:
        first, second = components[first_slice], components[second_slice]
        differs = first != second
        first, second = first[differs], second[differs]
        owners += [first, second]
        neighbours += [second, first]
    return np.concatenate(owners), np.concatenate(neighbours)


#: Above this many (speck, colour) cells the votes are counted by sorting instead of a dense
#: table (bounds the table to 128 MiB).
_DENSE_VOTES_LIMIT = 1 << 24


def _majority(
    owners: NDArray[np.int32], votes: NDArray[np.int16], small: NDArray[np.bool_], colors: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each speck with votes, the most frequent vote (ties: the lower label).

    owners are component ids (all specks, ``small[owners]`` is true); votes are labels 0..colors-1.
    """
    speck_ids = np.flatnonzero(small)
    if len(speck_ids) * colors <= _DENSE_VOTES_LIMIT:
        position = np.zeros(len(small), dtype=np.int64)
        position[speck_ids] = np.arange(len(speck_ids))
        table = np.bincount(
            position[owners] * colors + votes, minlength=len(speck_ids) * colors
        ).reshape(-1, colors)
        voted = table.any(axis=1)
        return speck_ids[voted], np.argmax(table[voted], axis=1)
    keys = owners.astype(np.int64) * colors + votes
    unique, counts = np.unique(keys, return_counts=True)
    owner, vote = unique // colors, unique % colors
    order = np.lexsort((-counts, owner))
    owner, vote = owner[order], vote[order]
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    return owner[first], vote[first]


def _components(
    labels: NDArray[np.int16], min_area: int
) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.bool_]]:
    """Component ids int32 (H, W) (0 = background), their sizes and which are specks."""
    from skimage.measure import label as label_components  # lazy: keeps `import v2v` fast

    components, count = label_components(
        labels, background=BACKGROUND, connectivity=2, return_num=True
    )
    components = components.astype(np.int32, copy=False)
    sizes = np.bincount(components.ravel(), minlength=count + 1)
    small = sizes < min_area
    small[0] = False
    return components, sizes, small


def _merge_pass(
    labels: NDArray[np.int16],
    found: tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.bool_]],
    drop_isolated: bool,
) -> bool:
    """One pass over ``labels`` (changed in place). True when some speck changed."""
    components, sizes, small = found
    count = len(sizes) - 1
    if not small.any():
        return False
    component_label = np.full(count + 1, BACKGROUND, dtype=np.int16)
    component_label[components.ravel()] = labels.ravel()
    owners, neighbours = _boundary_pairs(components)
    keep = small[owners] & (neighbours != 0)
    owners, neighbours = owners[keep], neighbours[keep]
    ranks_above = (sizes[neighbours] > sizes[owners]) | (
        (sizes[neighbours] == sizes[owners]) & (neighbours > owners)
    )
    new_label = component_label.copy()
    winners, votes = _majority(
        owners[ranks_above],
        component_label[neighbours[ranks_above]],
        small,
        int(labels.max()) + 1,
    )
    new_label[winners] = votes
    if drop_isolated:
        has_vehicle_neighbour = np.zeros(count + 1, dtype=bool)
        has_vehicle_neighbour[owners] = True
        new_label[small & ~has_vehicle_neighbour] = BACKGROUND
    changed = new_label != component_label
    if not changed.any():
        return False
    recolour = changed[components]
    labels[recolour] = new_label[components[recolour]]
    return True


def remove_specks(
    labels: NDArray[np.int16], min_area: int, max_passes: int = 10, drop_isolated: bool = True
) -> tuple[NDArray[np.int16], int]:
    """Merge every component smaller than ``min_area`` pixels into its neighbours.

    labels: int16 (H, W), palette index or -1 (background). Returns a new int16 (H, W) map and
    the number of speck components of the input that were recoloured (merged or, when isolated,
    dropped to background). Passes repeat until nothing changes or ``max_passes`` is reached
    (a speck can need a second pass when it first merges into another speck).
    See the module docstring for the rules.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.dtype != np.int16:
        raise InputError(
            f"remove_specks needs an int16 (H, W) label map, got {labels.dtype} {labels.shape}"
        )
    result = labels.copy()
    if min_area <= 1 or result.size == 0:
        return result, 0
    first = _components(result, min_area)
    found = first
    for _ in range(max_passes):
        if not _merge_pass(result, found, drop_isolated):
            break
        found = _components(result, min_area)
    return result, _count_recoloured(labels, result, first)


def _count_recoloured(
    before: NDArray[np.int16],
    after: NDArray[np.int16],
    found: tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.bool_]],
) -> int:
    """How many input specks now carry another label.

    All pixels of an input component always share one label (components are recoloured whole
    and only ever merge), so any one pixel of it tells its fate.
    """
    components, sizes, small = found
    if not small.any():
        return 0
    representative = np.zeros(len(sizes), dtype=np.intp)
    representative[components.ravel()] = np.arange(components.size)
    changed = before.ravel()[representative] != after.ravel()[representative]
    return int(np.count_nonzero(small & changed))
