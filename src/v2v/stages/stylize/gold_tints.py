"""Gold in shade is no warm-lit chrome (``phase2.flatten.gold_tints``, with ``grey_chrome``).

``grey_chrome`` makes a weakly tinted group among greys neutral: chrome under warm light reads
as brown or beige after palette mapping. A lowrider's gold fork and bars are weakly tinted too
(chroma 10 to 25 in shade, between grey reflections) and were drawn grey with holes, while
the rest of the same gold, a little more colourful, stayed gold. A gold group (CIELAB hue
within phase III's METAL_HUES) that touches clear gold (a region of a gold hue with at least
the group's chroma ceiling, TINT_MAX_CHROMA) is that gold in other light: it keeps its tint,
and phase III's ``gold_parts`` decides the colour of the whole part.
"""

from __future__ import annotations

import numpy as np

from v2v.stages.palette.gold import gold_hued
from v2v.stages.stylize.regions import RegionGraph, chroma


def is_gold(graph: RegionGraph, group: list[int], clear_chroma: float) -> bool:
    """Whether the tinted ``group`` (region ids) is gold: its area-weighted colour has a gold
    hue and one of its outside neighbours is clear gold (gold hue, chroma ≥ ``clear_chroma``)."""
    weights = np.array([graph.area[r] for r in group], dtype=np.float64)
    mean = np.average(np.array([graph.color[r] for r in group]), axis=0, weights=weights)
    if not bool(gold_hued(mean[None, :])[0]):
        return False
    inside = set(group)
    for region in group:
        for other in graph.border[region]:
            color = graph.color[other]
            clear = other not in inside and chroma(color) >= clear_chroma
            if clear and bool(gold_hued(np.asarray(color)[None, :])[0]):
                return True
    return False
