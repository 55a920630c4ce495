"""Washed-out glare on paint (``phase2.flatten.pale_glare``, with ``light_glare``).

Glare and sky reflections wash paint out toward white but leave a trace of its hue: the rear
quarter of a light-blue Mini (chroma 15 against the paint's 34), a light-pink streak along a
red bus's roof and a pale-pink patch on its upper deck (chroma 10–13 against 50–75). Such a
patch falls between the region graph's two rules: too tinted for ``light_glare`` (a neutral,
chroma under NEUTRAL_CHROMA, on light paint) and too pale to be the paint (chroma under
PAINT_CHROMA), so ``remove_highlights`` never sees it as a lighter tone of the paint, and phase
III draws it white or pale pink.

A near-white patch (L ≥ PALE_GLARE_MIN_L) tinted toward its paint (chroma NEUTRAL_CHROMA to
PAINT_CHROMA, hue within PALE_HUE_DEGREES of the paint, chroma at most PALE_CHROMA_RATIO of the
paint's) is glare on that paint when the paint (its neighbours of the largest one's hue) holds
PALE_GLARE_SHARE of its outline and the patch is at most GLARE_MAX_RATIO of the largest one.
The paint may be dark (a red bus): a white stripe stays neutral (chroma under NEUTRAL_CHROMA)
and is not a candidate; a pale part of another hue (a cream stripe on blue paint) is neither.
"""

from __future__ import annotations

import math

import numpy as np

from v2v.stages.stylize.regions import (
    GLARE_LIGHTER,
    LIGHT_GLARE_MIN_L,
    LIGHT_GLARE_SHARE,
    LIGHT_PAINT_MIN_L,
    NEUTRAL_CHROMA,
    PAINT_CHROMA,
    SAME_HUE_DEGREES,
    Color,
    RegionGraph,
    chroma,
    glare_host,
    hue_difference,
)

#: The patch is near white (L*), and at least PALE_GLARE_LIGHTER lighter than its paint
#: (as for light_glare).
PALE_GLARE_MIN_L, PALE_GLARE_LIGHTER = LIGHT_GLARE_MIN_L, GLARE_LIGHTER
#: Its hue is within this many degrees of the paint's (glare on red turns pink: the London
#: bus's patch is about 38-40° off its red, the drawn test's 25°)...
PALE_HUE_DEGREES = 45.0
#: ...and its chroma at most this fraction of the paint's (washed out).
PALE_CHROMA_RATIO = 0.5
#: The paint holds at least this share of the patch's outline (background included).
PALE_GLARE_SHARE = LIGHT_GLARE_SHARE
#: Hues (degrees) of the sky and of bluish daylight. Glare mixes paint with that light, so a
#: hue drift past SAME_HUE_DEGREES is glare only toward this side: pink on red (31° to 7°) is,
#: an ivory stripe on orange (55° to 98°) or a pale peach stripe on red (31° to 57°) is not.
SKY_HUES = (225.0, 275.0)


def hue_angle(color: Color) -> float:
    """CIELAB hue angle in degrees, 0..360."""
    return math.degrees(math.atan2(color[2], color[1])) % 360.0


def drifts_skyward(paint: Color, patch: Color) -> bool:
    """Whether ``patch``'s hue is within SAME_HUE_DEGREES of ``paint``'s, or drifts from it
    toward SKY_HUES (any way when the paint's own hue is a sky hue)."""
    if hue_difference(paint, patch) < SAME_HUE_DEGREES:
        return True
    start = hue_angle(paint)
    if SKY_HUES[0] <= start <= SKY_HUES[1]:
        return True
    drift = (hue_angle(patch) - start + 180.0) % 360.0 - 180.0
    toward = (sum(SKY_HUES) / 2 - start + 180.0) % 360.0 - 180.0
    return drift * toward > 0


def pale_paint_host(graph: RegionGraph, region: int, dark: bool = False) -> int | None:
    """The paint neighbour ``region`` is washed-out glare on, or None (module docstring): its
    light paint (L ≥ LIGHT_PAINT_MIN_L) or, with ``dark``, its darker paint. On dark paint a
    patch of a sky hue is never glare: sky reflected in a window looks just the same."""
    color = graph.color[region]
    pale = chroma(color)
    if not NEUTRAL_CHROMA <= pale < PAINT_CHROMA or color[0] < PALE_GLARE_MIN_L:
        return None
    if dark and SKY_HUES[0] <= hue_angle(color) <= SKY_HUES[1]:
        return None
    paints = [
        other
        for other in graph.border[region]
        if (graph.color[other][0] < LIGHT_PAINT_MIN_L) == dark
        and chroma(graph.color[other]) >= max(PAINT_CHROMA, pale / PALE_CHROMA_RATIO)
        and graph.color[other][0] <= color[0] - PALE_GLARE_LIGHTER
        and hue_difference(graph.color[other], color) <= PALE_HUE_DEGREES
        and drifts_skyward(graph.color[other], color)
    ]
    return glare_host(graph, region, paints, PALE_GLARE_SHARE)


def absorb_pale_glare(graph: RegionGraph, windows: set[int]) -> int:
    """Washed-out glare on dark paint (L < LIGHT_PAINT_MIN_L: a red bus) takes the paint's
    colour, smallest first until nothing changes; returns the patches absorbed. It runs after
    the glass and window rules, and no region of ``windows`` (their panes) is glare or paint."""
    absorbed, changed = 0, True
    while changed:
        changed = False
        for region in np.argsort(graph.area, kind="stable").tolist():
            if not graph.alive[region] or not graph.border[region] or region in windows:
                continue
            host = pale_paint_host(graph, region, dark=True)
            if host is not None and host not in windows:
                graph.merge(host, region, blend=False)
                absorbed += 1
                changed = True
    return absorbed
