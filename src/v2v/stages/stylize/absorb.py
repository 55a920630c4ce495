"""Rules that fold what a designer would not draw into the region that carries it.

- specks: regions under the minimum area join their most similar neighbour;
- glare: a lighter patch of the same hue beside a paint colour takes the paint colour;
- specular spots: small near-white patches enclosed by a paint colour;
- holes: enclosed regions of nearly the encloser's colour (dirt, texture);
- reflections: lighter neutral patches inside dark glass, and coloured things seen through
  it, so each window is one shape;
- tones: the regions of one paint colour (connected, same hue) keep its most saturated large
  tone plus darker large tones (shading); lighter, paler members (highlights) take the paint
  colour and small members the nearest kept tone. A red bus reads red, not red and pink.
- tinted greys: small, weakly tinted groups among neutrals (warm-lit chrome) turn grey, so
  they do not map to brown or beige.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.stages.stylize.raster import Labels
from v2v.stages.stylize.regions import (
    ENCLOSED_SHARE,
    GLARE_MAX_RATIO,
    GLARE_SHARE,
    GLASS_LIGHTNESS,
    HOLE_DELTA_E,
    NEUTRAL_CHROMA,
    PAINT_CHROMA,
    REFLECTION_DELTA_E,
    REFLECTION_MAX_RATIO,
    SAME_HUE_DEGREES,
    RegionGraph,
    chroma,
    hue_difference,
)

#: Lightness (L units) a patch must exceed its neighbour by to count as glare / a specular spot.
GLARE_LIGHTER, SPECULAR_LIGHTER = 5.0, 25.0
#: A specular spot is at most this fraction of the paint region around it.
SPECULAR_MAX_RATIO = 0.1
#: Coloured things seen through dark glass (people, seats) are dropped when the glass holds
#: at least this share of their outline.
SEEN_THROUGH_SHARE = 0.8
#: Glass: a group of neutral pieces, each under GLASS_MAX_PIECE of the vehicle (in light glass,
#: dark ones under GLASS_MAX_DARK_PIECE: a larger one is trim), at least
#: GLASS_MIN_PIECES of them covering GLASS_MIN_SHARE..GLASS_MAX_SHARE of the vehicle, none over
#: GLASS_DOMINANT of the group, spanning GLASS_MIN_SPAN L units (10th to 90th percentile by
#: area) and touching the background along at most GLASS_MAX_OPEN of its outline.
GLASS_MAX_PIECE, GLASS_MAX_DARK_PIECE, GLASS_MIN_PIECES = 0.06, 0.01, 3
GLASS_MIN_SHARE, GLASS_MAX_SHARE, GLASS_DOMINANT = 0.01, 0.2, 0.75
GLASS_MIN_SPAN, GLASS_MAX_OPEN = 25.0, 0.4
#: ... filling at least GLASS_MIN_FILL of its bounding box, with at most GLASS_MAX_GROUND of its
#: bottom edge on the background (wheels stand on it, windows do not).
GLASS_MIN_FILL, GLASS_MAX_GROUND = 0.4, 0.1


def _reason(graph: RegionGraph, region: int, other: int, highlights: bool) -> str | None:
    """Why ``region`` should be absorbed by its neighbour ``other``, or None."""
    color, host = graph.color[region], graph.color[other]
    share = graph.border[region][other] / max(graph.perimeter(region), 1.0)
    ratio = graph.area[region] / graph.area[other]
    lighter = float(color[0] - host[0])
    if ratio > GLARE_MAX_RATIO:
        return None
    if highlights and chroma(host) >= PAINT_CHROMA:
        same_paint = (
            chroma(color) >= NEUTRAL_CHROMA
            and hue_difference(color, host) < SAME_HUE_DEGREES
            and chroma(color) <= 1.2 * chroma(host)
        )
        if same_paint and lighter > GLARE_LIGHTER and share >= GLARE_SHARE:
            return "glare"
        specular = chroma(color) < NEUTRAL_CHROMA and lighter > SPECULAR_LIGHTER
        if specular and share >= ENCLOSED_SHARE and ratio < SPECULAR_MAX_RATIO:
            return "specular"
    if share < ENCLOSED_SHARE:
        return None
    difference = float(graph.distances(region, [other])[0])
    if difference < HOLE_DELTA_E:
        return "hole"
    glass = chroma(host) < NEUTRAL_CHROMA and host[0] < GLASS_LIGHTNESS
    if not glass or ratio >= REFLECTION_MAX_RATIO:
        return None
    if chroma(color) < 10.0:
        # a hub in a dark tyre is a light neutral too: only milder contrasts are reflections
        reflection = lighter > 0 and difference < REFLECTION_DELTA_E
        return "reflection" if reflection else None
    return "seen_through" if share >= SEEN_THROUGH_SHARE else None


def _target(
    graph: RegionGraph, region: int, min_area: float, highlights: bool
) -> tuple[int, str] | None:
    neighbours = list(graph.border[region])
    if graph.area[region] < min_area:
        closest = int(np.argmin(graph.distances(region, neighbours)))
        return neighbours[closest], "speck"
    for other in sorted(neighbours, key=graph.border[region].__getitem__, reverse=True):
        reason = _reason(graph, region, other, highlights)
        if reason is not None:
            return other, reason
    return None


def absorb_regions(graph: RegionGraph, min_area: float, highlights: bool) -> dict[str, int]:
    """Apply the speck, glare, specular, hole and reflection rules (glare and specular only
    when ``highlights``), smallest region first, until nothing changes. The absorbing region
    keeps its colour. Returns counts per rule."""
    counts: dict[str, int] = {}
    changed = True
    while changed:
        changed = False
        for region in np.argsort(graph.area, kind="stable").tolist():
            if not graph.alive[region] or not graph.border[region]:
                continue
            found = _target(graph, region, min_area, highlights)
            if found is not None:
                other, reason = found
                graph.merge(other, region, blend=False)
                counts[reason] = counts.get(reason, 0) + 1
                changed = True
    return counts


def _paint_families(graph: RegionGraph) -> list[list[int]]:
    """Connected groups of paint-coloured regions whose neighbours share their hue."""
    members = [r for r in graph.living() if chroma(graph.color[r]) >= PAINT_CHROMA]
    parent = {region: region for region in members}

    def find(region: int) -> int:
        while parent[region] != region:
            parent[region] = parent[parent[region]]
            region = parent[region]
        return region

    for region in members:
        for other in graph.border[region]:
            same = hue_difference(graph.color[region], graph.color[other]) <= SAME_HUE_DEGREES
            if other in parent and same:
                parent[find(region)] = find(other)
    families: dict[int, list[int]] = {}
    for region in members:
        families.setdefault(find(region), []).append(region)
    return [family for family in families.values() if len(family) > 1]


def unify_tones(graph: RegionGraph, min_tone_area: float) -> dict[str, int]:
    """Recolour each paint family to at most a few tones (see the module docstring).
    ``min_tone_area``: pixels a shading tone needs to be kept. Returns counts per outcome."""
    counts = {"highlight": 0, "tone": 0}
    for family in _paint_families(graph):
        large = [r for r in family if graph.area[r] >= min_tone_area]
        candidates = large or [max(family, key=graph.area.__getitem__)]
        paint = max(candidates, key=lambda r: chroma(graph.color[r]))
        paint_color = graph.color[paint].copy()
        tones = [paint] + [r for r in large if graph.color[r][0] < paint_color[0] and r != paint]
        for region in family:
            if region in tones:
                continue
            color = graph.color[region]
            paler = chroma(color) <= 1.1 * chroma(paint_color)
            if color[0] > paint_color[0] and paler:
                graph.recolor(region, paint_color)
                counts["highlight"] += 1
            else:
                nearest = tones[int(np.argmin(graph.distances(region, tones)))]
                graph.recolor(region, graph.color[nearest].copy())
                counts["tone"] += 1
    return counts


def _muted_groups(graph: RegionGraph, max_chroma: float) -> list[list[int]]:
    """Connected groups of weakly tinted regions (NEUTRAL_CHROMA ≤ chroma < ``max_chroma``)."""
    members = {r for r in graph.living() if NEUTRAL_CHROMA <= chroma(graph.color[r]) < max_chroma}
    groups: list[list[int]] = []
    seen: set[int] = set()
    for start in members:
        if start in seen:
            continue
        seen.add(start)
        stack, group = [start], []
        while stack:
            region = stack.pop()
            group.append(region)
            for other in graph.border[region]:
                if other in members and other not in seen:
                    seen.add(other)
                    stack.append(other)
        groups.append(group)
    return groups


def neutralize_tints(graph: RegionGraph, max_chroma: float, max_share: float) -> int:
    """Make weakly tinted patches among neutrals grey: chrome and glass under warm light read as
    brown or beige after palette mapping, a designer draws them grey. A connected group of
    regions with chroma in [NEUTRAL_CHROMA, ``max_chroma``) is made neutral (a = b = 0,
    lightness kept) when it covers under ``max_share`` of the vehicle and its outline touches
    neutral regions more than paint colours (a large tinted group is paint: beige, bronze).
    Returns the number of regions recoloured."""
    vehicle = float(graph.area[graph.alive].sum())
    changed = 0
    for group in _muted_groups(graph, max_chroma):
        if sum(graph.area[r] for r in group) >= max_share * vehicle:
            continue
        inside = set(group)
        neutral = paint = 0.0
        for region in group:
            for other, length in graph.border[region].items():
                if other in inside:
                    continue
                if chroma(graph.color[other]) < NEUTRAL_CHROMA:
                    neutral += length
                else:
                    paint += length
        if neutral <= paint:
            continue
        for region in group:
            graph.recolor(region, np.array([graph.color[region][0], 0.0, 0.0]))
        changed += len(group)
    return changed


def _connected(graph: RegionGraph, members: set[int]) -> list[list[int]]:
    """The connected groups (through shared boundaries) of ``members``."""
    groups: list[list[int]] = []
    seen: set[int] = set()
    for start in sorted(members):
        if start in seen:
            continue
        seen.add(start)
        stack, group = [start], []
        while stack:
            region = stack.pop()
            group.append(region)
            for other in graph.border[region]:
                if other in members and other not in seen:
                    seen.add(other)
                    stack.append(other)
        groups.append(group)
    return groups


def _glass_candidates(graph: RegionGraph, vehicle: float) -> list[list[int]]:
    """Connected groups of neutral pieces (chroma < NEUTRAL_CHROMA, each under GLASS_MAX_PIECE
    of the vehicle: a large white panel or dark window stays out and splits groups). In light
    glass (area-weighted median lightness ≥ GLASS_LIGHTNESS) dark pieces over
    GLASS_MAX_DARK_PIECE are trim (a black panel under a windscreen) and stay out too."""
    members = {
        r
        for r in graph.living()
        if chroma(graph.color[r]) < NEUTRAL_CHROMA and graph.area[r] < GLASS_MAX_PIECE * vehicle
    }
    candidates: list[list[int]] = []
    for group in _connected(graph, members):
        median = _weighted_quantile(graph.color[group, 0], graph.area[group], 0.5)
        if median < GLASS_LIGHTNESS:
            candidates.append(group)
            continue
        light = {
            r
            for r in group
            if graph.color[r][0] >= GLASS_LIGHTNESS
            or graph.area[r] < GLASS_MAX_DARK_PIECE * vehicle
        }
        candidates.extend(_connected(graph, light))
    return candidates


def _weighted_quantile(
    values: NDArray[np.float64], weights: NDArray[np.float64], q: float
) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, q * cumulative[-1]))
    return float(values[order][min(index, len(values) - 1)])


def _footprint(group: list[int], owners: Labels) -> tuple[float, float]:
    """Share of its bounding box the group fills, and its ground contact: the share of its
    bottom-most pixels (one per column) that have the background right below them."""
    inside = np.isin(owners, group)
    rows, cols = np.nonzero(inside)
    box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    below = np.zeros_like(inside)
    below[:-1] = inside[:-1] & ~inside[1:]
    ground = below[:-1] & (owners[1:] < 0)
    return rows.size / box, float(ground.sum()) / max(float(below.sum()), 1.0)


def _is_glass(graph: RegionGraph, group: list[int], owners: Labels, vehicle: float) -> bool:
    """A compact mosaic of light and dark neutral pieces, no piece dominating, mostly enclosed
    by the body and not standing on the ground (a wheel)."""
    areas = graph.area[group]
    total = float(areas.sum())
    if len(group) < GLASS_MIN_PIECES or not GLASS_MIN_SHARE * vehicle <= total:
        return False
    if total > GLASS_MAX_SHARE * vehicle or areas.max() > GLASS_DOMINANT * total:
        return False
    lightness = graph.color[group, 0]
    span = _weighted_quantile(lightness, areas, 0.9) - _weighted_quantile(lightness, areas, 0.1)
    inside = set(group)
    outline = sum(length for r in group for o, length in graph.border[r].items() if o not in inside)
    background = float(graph.background[group].sum())
    if span < GLASS_MIN_SPAN or background > GLASS_MAX_OPEN * (outline + background):
        return False
    fill, ground = _footprint(group, owners)
    return fill >= GLASS_MIN_FILL and ground <= GLASS_MAX_GROUND


def unify_glass(graph: RegionGraph, labels: Labels) -> int:
    """Make each window one shape: a connected mosaic of neutral pieces (sky, buildings and
    the interior reflected in or seen through glass) that spans light and dark greys, where
    no piece dominates, the body mostly encloses the group and it does not reach the ground,
    becomes one region with the area-weighted median colour of its pieces. ``labels``: the
    (h, w) int32 map of the graph's original regions (-1 outside). Returns pieces folded."""
    vehicle = float(graph.area[graph.alive].sum())
    owners = np.where(labels >= 0, graph.roots()[np.maximum(labels, 0)], -1)
    folded = 0
    for group in _glass_candidates(graph, vehicle):
        if not _is_glass(graph, group, owners, vehicle):
            continue
        areas = graph.area[group]
        tone = np.array([_weighted_quantile(graph.color[group, c], areas, 0.5) for c in range(3)])
        keep = group[int(np.argmax(areas))]
        graph.recolor(keep, tone)
        for region in group:
            if region != keep:
                graph.merge(keep, region, blend=False)
                folded += 1
    return folded
