"""Glare and sky reflections on a surface drawn in a neutral (``phase3.materials.pale_patches``).

A light grey fuselage or an off-white freight car is drawn in one of the palette's neutrals,
but the sky it reflects leaves pale bluish streaks on it, and glare leaves near-white patches.
Those regions are too pale to be paint (chroma under ``paint_chroma``) so they join no
material; yet they are tinted enough to escape the chroma guard (chroma ≥ ``neutral_chroma``),
so each takes its own nearest colour: teal streaks on a grey airliner, white holes in a grey
car. A designer draws them in the surface's colour.

A region is such a patch when all of these hold:

- it is pale: it and the connected regions drawn in its colour with it (the patch) have
  chroma under PATCH_MAX_CHROMA;
- the neighbours drawn in one palette neutral (the host colour, the one holding most of its
  border) hold at least PATCH_SHARE of its border with other regions (its outline on the
  background does not count: a streak may reach the silhouette);
- it is at most PATCH_MAX_RATIO of the surface: the connected regions drawn in the host
  colour that those neighbours belong to;
- it is drawn in a chromatic colour, or in a neutral lighter than the host colour (dark
  details drawn in a darker neutral, a vent or a door gap, stay);
- when it is drawn in a hue, all its neighbours are drawn in neutrals: a pale piece of a
  decal beside its blue and green squares is livery (white glare on a grey tyre may touch
  the paint beside it);
- it is at most PATCH_DARKER L* darker than the largest of those neighbours (a window or a
  shadow is darker still);
- the host's own colour is a light surface (L* ≥ HOST_MIN_L), not a tyre or a dark pane.

Such a patch takes the host colour. Patches on chromatic paint are phase II's (``light_glare``,
``remove_highlights``) and :mod:`v2v.stages.palette.materials`' (glare joins the paint's
material) business.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.lch import chroma_of
from v2v.config import MaterialsConfig

FloatArray = NDArray[np.float64]

#: A pale patch: chroma (CIELAB) under this.
PATCH_MAX_CHROMA = 20.0
#: The host colour's neighbours hold at least this share of the patch's border with regions.
PATCH_SHARE = 0.6
#: The patch is at most this fraction of the host neighbours' area.
PATCH_MAX_RATIO = 0.25
#: The patch is at most this many L* darker than its largest host neighbour.
PATCH_DARKER = 20.0
#: The host surface is light: its largest neighbour drawn in the host colour has this L* or more.
HOST_MIN_L = 40.0


def _neighbours(count: int, borders: NDArray[np.int64]) -> list[dict[int, int]]:
    table: list[dict[int, int]] = [{} for _ in range(count)]
    for first, second, length in borders.tolist():
        table[first][second] = table[first].get(second, 0) + length
        table[second][first] = table[second].get(first, 0) + length
    return table


def _connected(
    start: list[int], table: list[dict[int, int]], choice: NDArray[np.int64]
) -> list[int]:
    """The connected regions drawn in the colour of ``start``'s regions."""
    color, seen, todo = choice[start[0]], set(start), list(start)
    while todo:
        for other in table[todo.pop()]:
            if other not in seen and choice[other] == color:
                seen.add(other)
                todo.append(other)
    return sorted(seen)


def _host(
    patch: list[int],
    table: list[dict[int, int]],
    choice: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    neutral: NDArray[np.bool_],
    palette_lab: FloatArray,
) -> int | None:
    """The palette neutral ``patch`` (connected regions of one colour) is a pale patch on, or
    None (see the module docstring)."""
    inside, own = set(patch), int(choice[patch[0]])
    if chroma_of(lab[patch]).max() >= PATCH_MAX_CHROMA:
        return None
    around: dict[int, int] = {}
    for region in patch:
        for other, length in table[region].items():
            if other not in inside:
                around[other] = around.get(other, 0) + length
    held: dict[int, int] = {}
    for other, length in around.items():
        drawn = int(choice[other])
        if not neutral[drawn] and not neutral[own]:
            return None  # a hue beside a hue: livery (a decal's pale square), not glare
        if neutral[drawn]:
            held[drawn] = held.get(drawn, 0) + length
    if not held:
        return None
    host = max(held, key=held.__getitem__)
    if held[host] < PATCH_SHARE * sum(around.values()):
        return None
    carriers = [other for other in around if choice[other] == host]
    area = float(areas[patch].sum())
    if area > PATCH_MAX_RATIO * float(areas[_connected(carriers, table, choice)].sum()):
        return None
    largest = max(carriers, key=areas.__getitem__)
    lightness = float(np.average(lab[patch, 0], weights=areas[patch]))
    if lab[largest, 0] < HOST_MIN_L or lightness < lab[largest, 0] - PATCH_DARKER:
        return None
    if neutral[own] and palette_lab[own, 0] <= palette_lab[host, 0]:
        return None
    return host


def absorb_pale_patches(
    choice: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    borders: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> int:
    """Give each pale patch on a surface drawn in a neutral that surface's colour, in place:
    ``choice`` (k,) palette index per region, ``lab`` (k, 3), ``areas`` (k,), ``borders``
    (m, 3) [first, second, length]. Smallest first, until nothing changes. Returns the count."""
    neutral = chroma_of(palette_lab) < config.neutral_chroma
    around = _neighbours(len(lab), borders)
    pale = np.flatnonzero(chroma_of(lab) < PATCH_MAX_CHROMA)
    pale = pale[np.argsort(areas[pale], kind="stable")]
    absorbed, changed = 0, True
    while changed:
        changed, seen = False, set()
        for region in pale.tolist():
            if region in seen or not around[region]:
                continue
            patch = _connected([region], around, choice)
            seen.update(patch)
            host = _host(patch, around, choice, lab, areas, neutral, palette_lab)
            if host is not None:
                choice[patch] = host
                absorbed += len(patch)
                changed = True
    return absorbed
