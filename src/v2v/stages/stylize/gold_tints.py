"""Tinted greys (``phase2.flatten.grey_chrome``): small, weakly tinted groups among neutrals
(warm-lit chrome) turn grey, so they do not map to brown or beige (:func:`neutralize_tints`).

Gold in shade is no warm-lit chrome (``phase2.flatten.gold_tints``, with ``grey_chrome``).

``grey_chrome`` makes a weakly tinted group among greys neutral: chrome under warm light reads
as brown or beige after palette mapping. A lowrider's gold fork and bars are weakly tinted too
(chroma 10 to 25 in shade, between grey reflections) and were drawn grey with holes, while the
rest of the same gold, a little more colourful, stayed gold. A gold group (CIELAB hue within
METAL_HUES) that reaches clear gold (a region of a gold hue with at least CLEAR_GOLD_CHROMA),
directly or through small neutral pieces (under ``gold_link_piece`` of the vehicle: grey
reflections and white glare, phase III's rule, :func:`v2v.color.metal.metal_links`), and keeps
at least SHADE_SATURATION of its HSV saturation is that gold in shade: it keeps its tint, and
phase III's ``gold_parts`` decides the colour of the whole part.
"""

from __future__ import annotations

import numpy as np

from v2v.color.lch import chroma_of, hsv_saturation
from v2v.color.metal import SHADE_SATURATION, gold_hued, linked_parts, metal_links
from v2v.stages.stylize.regions import NEUTRAL_CHROMA, RegionGraph, chroma

#: Clear gold has at least this chroma: the lowriders' gold wheels and fenders 30-37; a cream
#: rocket in warm light is 26 (its shaded top kept a tint and the muted palette drew it in
#: tan and grey patches).
CLEAR_GOLD_CHROMA = 28.0


def is_gold(graph: RegionGraph, group: list[int], link_piece: float) -> bool:
    """Whether the tinted ``group`` (region ids) is gold: its area-weighted colour has a gold
    hue and it reaches clear gold (gold hue, chroma ≥ CLEAR_GOLD_CHROMA) of which it keeps
    SHADE_SATURATION of the HSV saturation, directly or through small neutral pieces (under
    ``link_piece`` of the vehicle)."""
    weights = np.array([graph.area[r] for r in group], dtype=np.float64)
    mean = np.average(np.array([graph.color[r] for r in group]), axis=0, weights=weights)
    if not bool(gold_hued(mean[None, :])[0]):
        return False
    saturation = float(hsv_saturation(mean[None, :])[0])
    areas = np.where(graph.alive, graph.area, 0.0)
    links = metal_links(chroma_of(graph.color), areas, NEUTRAL_CHROMA, link_piece) & graph.alive
    links[group] = True
    pairs = [(r, o) for r in np.flatnonzero(links).tolist() for o in graph.border[r]]
    component = linked_parts(links, np.array(pairs, dtype=np.int64).reshape(-1, 2))
    for region in np.flatnonzero(component == component[group[0]]).tolist():
        for other in graph.border[region]:
            color = np.asarray(graph.color[other], dtype=np.float64)[None, :]
            if links[other] or chroma_of(color)[0] < CLEAR_GOLD_CHROMA or not gold_hued(color)[0]:
                continue
            if saturation >= SHADE_SATURATION * float(hsv_saturation(color)[0]):
                return True
    return False


def _muted_groups(graph: RegionGraph, max_chroma: float) -> list[list[int]]:
    """Connected groups of weakly tinted regions (NEUTRAL_CHROMA ≤ chroma < ``max_chroma``)."""
    members = {r for r in graph.living() if NEUTRAL_CHROMA <= chroma(graph.color[r]) < max_chroma}
    return graph.groups(members)


def neutralize_tints(
    graph: RegionGraph,
    max_chroma: float,
    max_share: float,
    gold_link_piece: float | None = None,
) -> int:
    """Make weakly tinted patches among neutrals grey: chrome and glass under warm light read as
    brown or beige after palette mapping, a designer draws them grey. A connected group of
    regions with chroma in [NEUTRAL_CHROMA, ``max_chroma``) is made neutral (a = b = 0,
    lightness kept) when it covers under ``max_share`` of the vehicle and its outline touches
    neutral regions more than paint colours (a large tinted group is paint: beige, bronze).
    With ``gold_link_piece`` (``gold_tints``) a gold group in shade keeps its tint
    (:func:`is_gold`, linked through neutral pieces under ``gold_link_piece`` of the vehicle).
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
        if neutral <= paint or (
            gold_link_piece is not None and is_gold(graph, group, gold_link_piece)
        ):
            continue
        for region in group:
            graph.recolor(region, np.array([graph.color[region][0], 0.0, 0.0]))
        changed += len(group)
    return changed
