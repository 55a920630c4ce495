"""White glare on light paint (``phase2.flatten.light_glare``) and, with ``pale_glare``, the
washed-out glare of :mod:`.pale_glare` on light paint: a near-white patch the region graph's
other rules see neither as a paler tone of the paint (it is neutral or too pale) nor as a
specular spot (not lighter enough) takes the paint's colour. Washed-out glare on dark paint
runs later, after the glass and window rules (:func:`.pale_glare.absorb_pale_glare`)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.stages.stylize.pale_glare import pale_paint_host
from v2v.stages.stylize.raster import Labels
from v2v.stages.stylize.regions import (
    GLARE_LIGHTER,
    LIGHT_GLARE_MIN_L,
    LIGHT_GLARE_SHARE,
    LIGHT_PAINT_MIN_L,
    NEUTRAL_CHROMA,
    RegionGraph,
    chroma,
    glare_host,
)

#: With ``glare_paint_pixels`` a paint is light also when its photo pixels BORDER_SKIP to
#: BORDER_PX (working-size px) from the glare, less those lighter than halfway between the paint
#: and the glare, have a median L* of at least LIGHT_PAINT_MIN_L. The pixels nearer than
#: BORDER_SKIP are where a soft edge fades from the paint to the glare: a white stripe on red
#: paint (L* 43) blurred by sigma 1.5-2 read L* >= 55 within 3 px and was drawn red.
BORDER_SKIP = 2
BORDER_PX = 5

#: L* of ``other``'s photo pixels beside ``region`` (region, other) -> L*.
BorderLightness = Callable[[int, int], float]


def border_lightness(
    graph: RegionGraph, labels: Labels, lab: NDArray[np.float32]
) -> BorderLightness:
    """The median L* of a neighbour's photo pixels BORDER_SKIP to BORDER_PX from a region and
    darker than halfway to the region's colour, on ``labels`` (h, w) int32 (the graph's
    original regions, -1 outside) and ``lab`` (h, w, 3): the paint where the glare lies on it,
    however the merges cut or blended the paint's regions; 0 without such pixels."""
    kernel = np.ones((3, 3), np.uint8)
    cache: dict[int, NDArray[np.int64]] = {}

    def owners() -> NDArray[np.int64]:
        # Only merges change who owns a pixel, and each one ends a region: the roots are
        # computed once per merge, not once per question.
        alive = int(graph.alive.sum())
        if alive not in cache:
            cache.clear()
            cache[alive] = np.where(labels >= 0, graph.roots()[np.maximum(labels, 0)], -1)
        return cache[alive]

    def lightness(region: int, other: int) -> float:
        owner = owners()
        own = (owner == region).astype(np.uint8)
        far = cv2.dilate(own, kernel, iterations=BORDER_PX).astype(bool)
        near = cv2.dilate(own, kernel, iterations=BORDER_SKIP).astype(bool)
        values = lab[..., 0][far & ~near & (owner == other)]
        values = values[values < (graph.color[region][0] + graph.color[other][0]) / 2]
        return float(np.median(values)) if values.size else 0.0

    return lightness


def _light_paint_host(
    graph: RegionGraph, region: int, beside: BorderLightness | None = None
) -> int | None:
    """The light paint neighbour ``region`` is white glare on, or None: a near-white neutral
    patch (L ≥ LIGHT_GLARE_MIN_L, at least GLARE_LIGHTER lighter) on light paint (L ≥
    LIGHT_PAINT_MIN_L, chroma ≥ NEUTRAL_CHROMA) whose neighbours of the largest one's hue hold
    LIGHT_GLARE_SHARE of its outline, at most GLARE_MAX_RATIO of the largest one. With
    ``beside`` a paint is light also when its pixels beside the patch are (BORDER_SKIP to
    BORDER_PX px away): the blend of a light-blue Mini's body was L 61.6 or 54.8 by how the
    merges cut it."""
    color = graph.color[region]
    if chroma(color) >= NEUTRAL_CHROMA or color[0] < LIGHT_GLARE_MIN_L:
        return None
    paints = [
        other
        for other in graph.border[region]
        if chroma(graph.color[other]) >= NEUTRAL_CHROMA
        and graph.color[other][0] <= color[0] - GLARE_LIGHTER
        and (
            graph.color[other][0] >= LIGHT_PAINT_MIN_L
            or (beside is not None and beside(region, other) >= LIGHT_PAINT_MIN_L)
        )
    ]
    return glare_host(graph, region, paints, LIGHT_GLARE_SHARE)


def absorb_light_glare(
    graph: RegionGraph, pale: bool = False, beside: BorderLightness | None = None
) -> tuple[int, int]:
    """White glare and sky reflections on light paint (a light-blue car's shoulder line) take
    the paint's colour: the rules above see glare on light paint neither as a paler tone of
    the paint (it is neutral) nor as a specular spot (not lighter enough). With ``pale``
    washed-out glare tinted toward its paint does too (:mod:`.pale_glare`); ``beside``: see
    ``_light_paint_host``. Smallest first,
    until nothing changes; returns the white and the washed-out patches absorbed."""
    white, washed, changed = 0, 0, True
    while changed:
        changed = False
        for region in np.argsort(graph.area, kind="stable").tolist():
            if not graph.alive[region] or not graph.border[region]:
                continue
            host = _light_paint_host(graph, region, beside)
            if host is not None:
                white += 1
            elif pale:
                host = pale_paint_host(graph, region)
                washed += host is not None
            if host is not None:
                graph.merge(host, region, blend=False)
                changed = True
    return white, washed
