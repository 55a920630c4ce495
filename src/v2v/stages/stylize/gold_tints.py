"""Gold in shade is no warm-lit chrome (``phase2.flatten.gold_tints``, with ``grey_chrome``).

``grey_chrome`` makes a weakly tinted group among greys neutral: chrome under warm light reads
as brown or beige after palette mapping. A lowrider's gold fork and bars are weakly tinted too
(chroma 10 to 25 in shade, between grey reflections) and were drawn grey with holes, while the
rest of the same gold, a little more colourful, stayed gold. A gold group (CIELAB hue within
phase III's METAL_HUES) that touches clear gold (a region of a gold hue with at least
CLEAR_GOLD_CHROMA) and keeps at least SHADE_SATURATION of its HSV saturation is that gold in
shade: it keeps its tint, and phase III's ``gold_parts`` decides the colour of the whole part.
"""

from __future__ import annotations

import numpy as np

from v2v.color.lch import hsv_saturation
from v2v.stages.palette.gold import gold_hued
from v2v.stages.stylize.regions import RegionGraph, chroma

#: Gold in shade keeps at least this share of the clear gold's HSV saturation (light falling
#: off keeps it): the lowriders' shaded forks and bars keep 0.57-0.89 of it, a tank's brown
#: track beside its sand camouflage 0.40-0.45 (kept tinted, it became a grey streak on the
#: canyon tank's black track), white glare on gold about 0.2: both are made neutral as before.
SHADE_SATURATION = 0.5
#: Clear gold has at least this chroma: the lowriders' gold wheels and fenders 30-37; a cream
#: rocket in warm light is 26 (its shaded top kept a tint and the muted palette drew it in
#: tan and grey patches).
CLEAR_GOLD_CHROMA = 28.0


def is_gold(graph: RegionGraph, group: list[int]) -> bool:
    """Whether the tinted ``group`` (region ids) is gold: its area-weighted colour has a gold
    hue and one of its outside neighbours is clear gold (gold hue, chroma ≥ CLEAR_GOLD_CHROMA)
    of which it keeps SHADE_SATURATION of the HSV saturation."""
    weights = np.array([graph.area[r] for r in group], dtype=np.float64)
    mean = np.average(np.array([graph.color[r] for r in group]), axis=0, weights=weights)
    if not bool(gold_hued(mean[None, :])[0]):
        return False
    saturation = float(hsv_saturation(mean[None, :])[0])
    inside = set(group)
    for region in group:
        for other in graph.border[region]:
            color = np.asarray(graph.color[other], dtype=np.float64)[None, :]
            if other in inside or chroma(color[0]) < CLEAR_GOLD_CHROMA or not gold_hued(color)[0]:
                continue
            if saturation >= SHADE_SATURATION * float(hsv_saturation(color)[0]):
                return True
    return False
