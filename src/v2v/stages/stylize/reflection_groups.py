"""Reflections in several pieces (``phase2.flatten.glass_reflection_groups``): a reflection in
a dark pane that flattening left as a few neighbouring pieces (sky, a pillar's glare, each a
different grey) may be enclosed by the pane only together, so that neither
:func:`v2v.stages.stylize.glass.absorb_reflections` (one piece) nor
:mod:`v2v.stages.stylize.window_pieces` (a paint frame) took them; this rule runs after both
and does not check that again. The London bus's upper-deck windscreen kept a white and a grey
strip this way."""

from __future__ import annotations

from v2v.stages.stylize.glass import (
    GLASS_MAX_SHARE,
    PANE_MAX_RATIO,
    dark_panes,
    fold_into_pane,
)
from v2v.stages.stylize.owners import owners_and_boxes
from v2v.stages.stylize.raster import Labels
from v2v.stages.stylize.regions import ENCLOSED_SHARE, PAINT_CHROMA, RegionGraph, chroma

#: A group has at least this many pieces (one piece is the single-region rule's).
MIN_PIECES = 2


def _enclosed_groups(graph: RegionGraph, pane: int, panes: set[int]) -> list[list[int]]:
    """Connected groups of the pane's neighbours that are not paint and not panes, which
    together hold ENCLOSED_SHARE of their outline with the pane and are under PANE_MAX_RATIO
    of its area."""
    members = {
        r
        for r in graph.border[pane]
        if graph.alive[r] and r not in panes and chroma(graph.color[r]) < PAINT_CHROMA
    }
    found = []
    for group in graph.groups(members):
        if len(group) < MIN_PIECES:
            continue
        inside = set(group)
        outline = sum(
            n for r in group for o, n in graph.border[r].items() if o not in inside
        ) + float(graph.background[group].sum())
        with_pane = sum(graph.border[r].get(pane, 0) for r in group)
        if (
            with_pane >= ENCLOSED_SHARE * max(outline, 1.0)
            and graph.area[group].sum() <= PANE_MAX_RATIO * graph.area[pane]
        ):
            found.append(group)
    return found


def absorb_reflection_groups(
    graph: RegionGraph, labels: Labels, windows: set[int] | None = None
) -> int:
    """Fold into a dark pane (see :func:`v2v.stages.stylize.glass.dark_panes`, under
    GLASS_MAX_SHARE of the vehicle, as for single reflections) each group of at least
    MIN_PIECES neighbouring pieces that are not paint (chroma under PAINT_CHROMA) and that the
    pane encloses together (``_enclosed_groups``). ``labels``: the (h, w) int32 map of the
    graph's original regions (-1 outside). Returns the regions folded."""
    vehicle = float(graph.area[graph.alive].sum())
    owners, boxes = owners_and_boxes(graph, labels)
    panes = dark_panes(graph, owners, vehicle, GLASS_MAX_SHARE, boxes)
    folded = 0
    for pane in panes:
        if not graph.alive[pane]:
            continue
        for group in _enclosed_groups(graph, pane, set(panes)):
            for region in group:
                fold_into_pane(graph, pane, region, windows)
                folded += 1
    return folded
