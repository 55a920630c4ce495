"""Rules that fold what a designer would not draw into the region that carries it.

- specks: regions under the minimum area join their most similar neighbour;
- glare: a lighter patch of the same hue beside a paint colour takes the paint colour;
- specular spots: small near-white patches enclosed by a paint colour;
- holes: enclosed regions of nearly the encloser's colour (dirt, texture);
- reflections: lighter neutral patches inside dark glass, and coloured things seen through
  it, so each window is one shape;
- tones: the regions of one paint colour (connected, same hue) keep its paint tone plus darker
  large tones (shading); lighter, paler members (highlights) take the paint colour and small
  members the nearest kept tone. A red bus reads red, not red and pink. The most saturated
  large tone may be paint in shade (a gold fender's): with ``lit_paint`` the family's lit tone
  (much lighter, as saturated) is kept too, and lighter members as saturated as the paint take
  it rather than the shade's colour, so phase III sees the lit side and names the paint by it.
- white glare on light paint takes the paint's colour.

(Tinted greys, warm-lit chrome made grey unless it is gold in shade, are in
:mod:`v2v.stages.stylize.gold_tints`.)
"""

from __future__ import annotations

import numpy as np

from v2v.color.lch import hsv_saturation
from v2v.stages.palette.paints import DARK_PAINT_LIGHTNESS, MIN_TONE_SHARE, SHADOW_MIN_STEP
from v2v.stages.stylize.regions import (
    ENCLOSED_SHARE,
    GLARE_LIGHTER,
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

#: Lightness (L units) a patch must exceed its neighbour by to count as a specular spot.
SPECULAR_LIGHTER = 25.0
#: A specular spot is at most this fraction of the paint region around it.
SPECULAR_MAX_RATIO = 0.1
#: Coloured things seen through dark glass (people, seats) are dropped when the glass holds
#: at least this share of their outline.
SEEN_THROUGH_SHARE = 0.8
#: ``lit_paint``: a family's lit tone is its lightest region of at least LIT_SHARE of it (or a
#: large tone; phase III's ``paints.MIN_TONE_SHARE``) with LIT_SATURATION_RATIO of the paint's
#: HSV saturation (light falling off keeps it)...
LIT_SHARE, LIT_SATURATION_RATIO = MIN_TONE_SHARE, 0.9
#: ...and at least LIT_STEP (L*) lighter than the paint, which is then its shade (phase III's
#: ``paints.SHADOW_MIN_STEP``): a lit strip barely lighter folds into the paint as before;
#: for a paint at least DARK_PAINT_LIGHTNESS light: darker paint is phase III's dark paint,
#: whose hue its own rules keep; a lit tone split a navy seat into blue and black.
LIT_STEP = SHADOW_MIN_STEP
#: ``tone_hue_anchor``: a large member lighter than the paint and under this share of its chroma
#: is a highlight of it (pale sky reflection), not another paint, whatever its hue.
ANCHOR_CHROMA_RATIO = 0.6


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


def _lit_tone(graph: RegionGraph, family: list[int], paint: int, large: list[int]) -> int | None:
    """The paint's lit tone, when the family has one: its lightest sizeable region (a large
    tone, or at least LIT_SHARE of the family) at least LIT_STEP lighter than the paint and of
    at least LIT_SATURATION_RATIO of its HSV saturation (light falling off keeps saturation, glare
    washes it out): the lit side of a gold fender whose shade is more saturated."""
    total = sum(graph.area[r] for r in family)
    sizeable = [r for r in family if r in large or graph.area[r] >= LIT_SHARE * total]
    bar = LIT_SATURATION_RATIO * float(hsv_saturation(graph.color[[paint]])[0])
    saturation = hsv_saturation(graph.color[sizeable])
    lit = [
        r
        for r, s in zip(sizeable, saturation.tolist(), strict=True)
        if s >= bar and graph.color[r][0] >= graph.color[paint][0] + LIT_STEP
    ]
    return max(lit, key=lambda r: graph.color[r][0]) if lit else None


def _tone_targets(
    graph: RegionGraph, family: list[int], tones: list[int], lit: int | None
) -> dict[int, tuple[int, str]]:
    """The tone (a region of ``tones``) each other member of ``family`` takes, and why:
    lighter, paler members the paint's (``tones[0]``), or the ``lit`` tone's when as
    saturated as the paint (LIT_SATURATION_RATIO); the others the nearest tone."""
    paint_color = graph.color[tones[0]]
    bar = LIT_SATURATION_RATIO * float(hsv_saturation(paint_color[None, :])[0])
    targets = {}
    for region in family:
        if region in tones:
            continue
        color = graph.color[region]
        if color[0] > paint_color[0] and chroma(color) <= 1.1 * chroma(paint_color):
            lit_piece = lit is not None and hsv_saturation(color[None, :])[0] >= bar
            targets[region] = (lit if lit_piece and lit is not None else tones[0], "highlight")
        else:
            targets[region] = (tones[int(np.argmin(graph.distances(region, tones)))], "tone")
    return targets


def _paint_tone(graph: RegionGraph, candidates: list[int], margin: float) -> int:
    """The family's paint: its most chromatic candidate, or with ``margin`` > 0 the lightest
    of those within that fraction of the top chroma (a near tie in chroma between the lit side
    and the shade is decided by lightness, which tells them apart, not by which is 2 units
    more chromatic after a redraw)."""
    top = max(chroma(graph.color[r]) for r in candidates)
    near = [r for r in candidates if chroma(graph.color[r]) >= (1.0 - margin) * top]
    if margin <= 0:
        return max(candidates, key=lambda r: chroma(graph.color[r]))
    return max(near, key=lambda r: float(graph.color[r][0]))


def _other_paint(graph: RegionGraph, region: int, paint: int) -> bool:
    """Whether ``region`` is another paint than ``paint`` (``tone_hue_anchor``): more than
    SAME_HUE_DEGREES from its hue and not highlight-like, i.e. not both lighter than it and
    under ANCHOR_CHROMA_RATIO of its chroma (a pale sky reflection on a blue roof is glare of
    the blue, whatever its hue)."""
    color, paint_color = graph.color[region], graph.color[paint]
    if region == paint or hue_difference(color, paint_color) <= SAME_HUE_DEGREES:
        return False
    pale = chroma(color) < ANCHOR_CHROMA_RATIO * chroma(paint_color)
    return not (color[0] > paint_color[0] and pale)


def _split_anchored(
    graph: RegionGraph, family: list[int], paint: int, large: list[int]
) -> tuple[list[int], dict[int, tuple[int, str]]]:
    """``family`` less its anchored members (large members of another paint, ``_other_paint``),
    which keep their colour, and less the small members of another paint, which take the
    colour of the anchored member nearest in hue (a lit piece of the orange cabin is orange,
    not a highlight of the red hull): (the paint's members, {small member: (anchored member,
    "tone")})."""
    anchored = [r for r in large if _other_paint(graph, r, paint)]
    mine: list[int] = []
    theirs: dict[int, tuple[int, str]] = {}
    for region in family:
        if region in anchored:
            continue
        if anchored and region not in large and _other_paint(graph, region, paint):
            color = graph.color[region]
            nearest = min(anchored, key=lambda a: hue_difference(color, graph.color[a]))
            theirs[region] = (nearest, "tone")
        else:
            mine.append(region)
    return mine, theirs


def _unify_family(
    graph: RegionGraph, family: list[int], min_tone_area: float, lit_paint: bool, margin: float
) -> dict[int, tuple[int, str]]:
    """The tone each member of ``family`` takes (``_tone_targets``)."""
    large = [r for r in family if graph.area[r] >= min_tone_area]
    candidates = large or [max(family, key=graph.area.__getitem__)]
    paint = _paint_tone(graph, candidates, margin)
    tones = [paint] + [r for r in large if graph.color[r][0] < graph.color[paint][0] and r != paint]
    mid_tone = graph.color[paint][0] >= DARK_PAINT_LIGHTNESS
    lit = _lit_tone(graph, family, paint, candidates) if lit_paint and mid_tone else None
    targets = _tone_targets(graph, family, tones + ([lit] if lit is not None else []), lit)
    if lit is not None:
        lit_side = graph.area[lit] + sum(
            graph.area[r] for r, (tone, _) in targets.items() if tone == lit
        )
        if lit_side < min_tone_area:  # a sliver of lit paint is no tone of its own
            targets = _tone_targets(graph, family, tones, None)
    return targets


def unify_tones(
    graph: RegionGraph,
    min_tone_area: float,
    lit_paint: bool,
    hue_anchor: bool = False,
    chroma_margin: float = 0.0,
) -> dict[str, int]:
    """Recolour each paint family to at most a few tones (see the module docstring).
    ``min_tone_area``: pixels a shading tone needs to be kept; ``lit_paint``: a lit tone of
    the paint (``_lit_tone``) is kept too when it and the members taking it cover as much, and
    lighter members as saturated as the paint take it, not the paint's colour; ``hue_anchor``:
    large members of another paint (the family chains hues neighbour by neighbour) keep their
    colour, and small members of another paint take it (``_split_anchored``);
    ``chroma_margin``: see ``_paint_tone``. Returns counts per outcome."""
    counts = {"highlight": 0, "tone": 0}
    for family in _paint_families(graph):
        apart: dict[int, tuple[int, str]] = {}
        if hue_anchor:
            large = [r for r in family if graph.area[r] >= min_tone_area]
            candidates = large or [max(family, key=graph.area.__getitem__)]
            paint = _paint_tone(graph, candidates, chroma_margin)
            family, apart = _split_anchored(graph, family, paint, large)
        targets = _unify_family(graph, family, min_tone_area, lit_paint, chroma_margin)
        targets.update(apart)
        colors = {region: graph.color[tone].copy() for region, (tone, _) in targets.items()}
        for region, (_, why) in targets.items():
            graph.recolor(region, colors[region])
            counts[why] += 1
    return counts
