"""Region adjacency graph of an over-segmented vehicle, and the merges that simplify it.

Each region has an area (pixels), a representative CIELAB colour, the lightness range of what
was merged into it, and the length of the boundary it shares with each neighbour and with the
background. Merging a region into another either blends their colours (similar regions) or
keeps the receiving region's colour (glare, specks, reflections: they must not tint it).
Colour differences are CIEDE2000, the metric phase III maps with.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import delta_e_2000

#: Share of a region's outline that one neighbour must hold for the region to count as
#: enclosed by it (a hole, a reflection, a specular spot).
ENCLOSED_SHARE = 0.6
#: A lighter patch of the same hue next to a paint colour is glare when it touches it along
#: at least this share of its outline and is at most this fraction of its size.
GLARE_SHARE, GLARE_MAX_RATIO = 0.2, 0.5
#: Hues closer than this (degrees) belong to one paint colour.
SAME_HUE_DEGREES = 20.0
#: Colours with at least this CIELAB chroma are paint colours; below, neutrals.
PAINT_CHROMA, NEUTRAL_CHROMA = 15.0, 8.0
#: Enclosed regions closer than this ΔE00 to their encloser are absorbed (dirt, texture).
HOLE_DELTA_E = 12.0
#: Lighter neutral patches inside dark glass (L < GLASS_LIGHTNESS) are reflections when they
#: are under REFLECTION_MAX_RATIO of the glass area and closer than REFLECTION_DELTA_E.
GLASS_LIGHTNESS, REFLECTION_MAX_RATIO, REFLECTION_DELTA_E = 35.0, 0.12, 30.0
#: White glare on light paint: a near-white neutral patch (L ≥ LIGHT_GLARE_MIN_L, at least
#: GLARE_LIGHTER lighter) on light paint (L ≥ LIGHT_PAINT_MIN_L, chroma ≥ NEUTRAL_CHROMA) that
#: holds at least LIGHT_GLARE_SHARE of the patch's outline.
LIGHT_GLARE_MIN_L, LIGHT_PAINT_MIN_L, LIGHT_GLARE_SHARE = 80.0, 55.0, 0.35
#: Lightness (L units) a patch must exceed its neighbour by to count as glare.
GLARE_LIGHTER = 5.0


Color = Sequence[float] | NDArray[np.float64]


def chroma(color: Color) -> float:
    return float(math.hypot(color[1], color[2]))


def hue_difference(first: Color, second: Color) -> float:
    """Absolute CIELAB hue-angle difference in degrees, 0..180."""
    angle = math.degrees(math.atan2(first[2], first[1]) - math.atan2(second[2], second[1]))
    return abs((angle + 180.0) % 360.0 - 180.0)


def glare_host(graph: RegionGraph, region: int, paints: list[int], share: float) -> int | None:
    """The largest of ``paints`` (neighbours of ``region``) when those of its hue hold
    ``share`` of the region's outline together and the region is at most GLARE_MAX_RATIO of
    it, else None: the paint a glare patch takes the colour of."""
    if not paints:
        return None
    host = max(paints, key=graph.area.__getitem__)
    held = sum(
        graph.border[region][other]
        for other in paints
        if hue_difference(graph.color[other], graph.color[host]) < SAME_HUE_DEGREES
    )
    enough = held >= share * max(graph.perimeter(region), 1.0)
    return host if enough and graph.area[region] <= GLARE_MAX_RATIO * graph.area[host] else None


class RegionGraph:
    """Regions 0..n-1 with colours (n, 3) Lab, areas (n,), and boundaries.

    ``pairs`` is (first, second, length): adjacent regions and their shared boundary length;
    ``background`` (n,) is each region's boundary length with the background.
    """

    def __init__(
        self,
        colors: NDArray[np.float64],
        areas: NDArray[np.int64],
        pairs: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
        background: NDArray[np.int64],
    ) -> None:
        count = len(areas)
        self.color = colors.astype(np.float64).copy()
        self.area = areas.astype(np.float64).copy()
        self.weight = self.area.copy()
        #: pixels that carry the region's colour (``darker_names``): grows on blended merges,
        #: not when an unblended merge folds in a piece of another colour
        self.own_area = self.area.copy()
        self.lightness = np.stack([self.color[:, 0], self.color[:, 0]], axis=1)
        self.background = background.astype(np.float64).copy()
        self.border: list[dict[int, int]] = [{} for _ in range(count)]
        for first, second, length in zip(*(p.tolist() for p in pairs), strict=True):
            self.border[first][second] = length
            self.border[second][first] = length
        self.alive = np.ones(count, dtype=bool)
        self.parent = np.arange(count)
        #: an unblended merge of a larger, darker region into another takes its colour
        #: (``phase2.flatten.darker_names``)
        self.darker_names = False

    def living(self) -> list[int]:
        return np.flatnonzero(self.alive).tolist()

    def groups(self, members: set[int]) -> list[list[int]]:
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
                for other in self.border[region]:
                    if other in members and other not in seen:
                        seen.add(other)
                        stack.append(other)
            groups.append(group)
        return groups

    def perimeter(self, region: int) -> float:
        return float(sum(self.border[region].values()) + self.background[region])

    def distances(self, region: int, others: Sequence[int]) -> NDArray[np.float64]:
        """ΔE00 from ``region`` to each of ``others`` (len(others),)."""
        return delta_e_2000(self.color[region][None], self.color[list(others)])

    def merge(self, keep: int, drop: int, blend: bool) -> None:
        """Fold ``drop`` into ``keep``; ``blend`` mixes their colours by area, else ``keep``'s
        colour and lightness range stay as they are, unless (``darker_names``) ``drop``'s colour
        covers more pixels than ``keep``'s (``own_area``, not pieces ``keep`` already took in of
        other colours, so the fold order does not decide) and is darker: then its colour does (a
        reflection is lighter and smaller than the glass that takes it in; folded the other way,
        the glass must not take its colour)."""
        larger, darker = (
            self.own_area[drop] > self.own_area[keep],
            self.color[drop][0] < self.color[keep][0],
        )
        if not blend and self.darker_names and larger and darker:
            self.color[keep] = self.color[drop]
            self.lightness[keep] = self.lightness[drop]
            self.own_area[keep] = self.own_area[drop]
        elif blend:
            self.own_area[keep] += self.own_area[drop]
        self.area[keep] += self.area[drop]
        if blend:
            total = self.weight[keep] + self.weight[drop]
            self.color[keep] = (
                self.color[keep] * self.weight[keep] + self.color[drop] * self.weight[drop]
            ) / total
            self.weight[keep] = total
            self.lightness[keep, 0] = min(self.lightness[keep, 0], self.lightness[drop, 0])
            self.lightness[keep, 1] = max(self.lightness[keep, 1], self.lightness[drop, 1])
        for other, length in self.border[drop].items():
            del self.border[other][drop]
            if other != keep:
                merged = self.border[keep].get(other, 0) + length
                self.border[keep][other] = merged
                self.border[other][keep] = merged
        self.background[keep] += self.background[drop]
        self.border[drop] = {}
        self.alive[drop] = False
        self.parent[drop] = keep

    def recolor(self, region: int, color: NDArray[np.float64]) -> None:
        self.color[region] = color
        self.lightness[region] = color[0]
        self.own_area[region] = self.area[region]

    def roots(self) -> NDArray[np.int64]:
        """For each original region (n,), the surviving region it was merged into."""
        parent = self.parent.copy()
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent
            parent = grand


def merge_similar(graph: RegionGraph, max_delta_e: float, max_lightness_span: float) -> int:
    """Merge neighbours closer than ``max_delta_e`` (ΔE00), closest first, colours blended.
    A merge that would make a region span more than ``max_lightness_span`` (L units) of
    lightness is refused, so gradients do not chain a whole vehicle into one colour.
    Returns the number of merges.

    Pairs farther apart than ``max_delta_e`` never enter the heap: they could only end the loop,
    which an empty heap ends as well (the same merges, in the same order, as pushing them)."""
    version = np.zeros(len(graph.area), dtype=np.int64)
    alive = graph.alive
    pairs = [(r, o) for r in graph.living() for o in graph.border[r] if o > r]
    heap: list[tuple[float, int, int, int, int]] = []
    if pairs:
        first, second = np.array(pairs).T
        initial = delta_e_2000(graph.color[first], graph.color[second]).tolist()
        heap = [
            (d, a, b, 0, 0) for d, (a, b) in zip(initial, pairs, strict=True) if d <= max_delta_e
        ]
    heapq.heapify(heap)
    merges = 0
    while heap:
        d, first, second, v1, v2 = heapq.heappop(heap)
        if version[first] != v1 or version[second] != v2 or not (alive[first] and alive[second]):
            continue
        low = min(graph.lightness[first, 0], graph.lightness[second, 0])
        high = max(graph.lightness[first, 1], graph.lightness[second, 1])
        if high - low > max_lightness_span:
            continue
        keep, drop = (first, second) if graph.area[first] >= graph.area[second] else (second, first)
        graph.merge(keep, drop, blend=True)
        merges += 1
        version[keep] += 1
        others = list(graph.border[keep])
        if others:
            for other, d in zip(others, graph.distances(keep, others).tolist(), strict=True):
                if d <= max_delta_e:
                    a, b = min(keep, other), max(keep, other)
                    heapq.heappush(heap, (d, a, b, int(version[a]), int(version[b])))
    return merges
