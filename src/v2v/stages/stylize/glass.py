"""Windows as one shape.

- mosaics: a mosaic of light and dark grey reflections enclosed by the body becomes one region
  (the area-weighted median tone of its pieces), ``phase2.flatten.glass``; in dark glass the
  light pieces that are the body around it stay out (``phase2.flatten.glass_body``, in
  :mod:`v2v.stages.stylize.glass_body`), and dark glass takes its dark pieces' tone
  (``phase2.flatten.glass_dark_tone``);
- reflections: in a dark pane (a dark neutral region that the body encloses and that does not
  stand on the ground, as a tyre does), the light reflections and what is seen through it
  (sky, buildings, a driver) are absorbed into the pane's tone, however strong their contrast,
  ``phase2.flatten.glass_reflections``;
- window pieces: a piece beside a dark pane that also reaches the window's frame, framed by
  paint, is the same glass, ``phase2.flatten.window_pieces``, in
  :mod:`v2v.stages.stylize.window_pieces`, except under a dark roof
  (``phase2.flatten.window_roofs``) and between two windows
  (``phase2.flatten.window_separators``). The designed highlight on the windows these rules
  find is in :mod:`v2v.stages.stylize.highlights`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.stages.stylize.glass_body import body_pieces
from v2v.stages.stylize.owners import Boxes, footprint, owners_and_boxes
from v2v.stages.stylize.raster import Labels
from v2v.stages.stylize.regions import (
    ENCLOSED_SHARE,
    GLASS_LIGHTNESS,
    NEUTRAL_CHROMA,
    PAINT_CHROMA,
    RegionGraph,
    chroma,
)

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
    for group in graph.groups(members):
        if _median(graph, group) < GLASS_LIGHTNESS:
            candidates.append(group)
            continue
        light = {
            r
            for r in group
            if graph.color[r][0] >= GLASS_LIGHTNESS
            or graph.area[r] < GLASS_MAX_DARK_PIECE * vehicle
        }
        candidates.extend(graph.groups(light))
    return candidates


def _weighted_quantile(
    values: NDArray[np.float64], weights: NDArray[np.float64], q: float
) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, q * cumulative[-1]))
    return float(values[order][min(index, len(values) - 1)])


def _is_glass(
    graph: RegionGraph, group: list[int], owners: Labels, vehicle: float, boxes: Boxes
) -> bool:
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
    fill, ground = footprint(group, owners, boxes)
    return fill >= GLASS_MIN_FILL and ground <= GLASS_MAX_GROUND


def _median(graph: RegionGraph, group: list[int], channel: int = 0) -> float:
    """The area-weighted median of one Lab channel (L by default) of ``group``'s pieces."""
    return _weighted_quantile(graph.color[group, channel], graph.area[group], 0.5)


def _tone(graph: RegionGraph, group: list[int]) -> np.ndarray:
    """The area-weighted median colour of ``group``'s pieces (each Lab channel)."""
    return np.array([_median(graph, group, c) for c in range(3)])


def _fold(
    graph: RegionGraph, group: list[int], windows: set[int] | None, dark_tone: bool = False
) -> int:
    """Fold ``group`` into its largest piece, in the area-weighted median colour of its
    pieces (with ``dark_tone``, ``glass_dark_tone``: a dark mosaic's dark pieces); returns
    the pieces folded."""
    tone = _tone(graph, group)
    if dark_tone and tone[0] < GLASS_LIGHTNESS:
        tone = _tone(graph, [r for r in group if graph.color[r][0] < GLASS_LIGHTNESS])
    keep = group[int(np.argmax(graph.area[group]))]
    graph.recolor(keep, tone)
    if windows is not None:
        windows.add(keep)
    for region in group:
        if region != keep:
            graph.merge(keep, region, blend=False)
    return len(group) - 1


def unify_glass(
    graph: RegionGraph,
    labels: Labels,
    windows: set[int] | None = None,
    body: bool = False,
    dark_tone: bool = False,
) -> int:
    """Make each window one shape: a connected mosaic of neutral pieces (sky, buildings and
    the interior reflected in or seen through glass) that spans light and dark greys, where
    no piece dominates, the body mostly encloses the group and it does not reach the ground,
    becomes one region with the area-weighted median colour of its pieces. With ``body``
    (``phase2.flatten.glass_body``) the light pieces of a dark mosaic that are the body around
    the window stay out (``body_pieces``), and each part left becomes one region only if it
    is still glass (``_is_glass``: a part of one dark pane and one reflection is no mosaic).
    With ``dark_tone`` (``phase2.flatten.glass_dark_tone``) a dark mosaic's colour is the
    median of its dark pieces. ``labels``: the (h, w) int32 map of the graph's original
    regions (-1 outside). Returns pieces folded."""
    vehicle = float(graph.area[graph.alive].sum())
    owners, boxes = owners_and_boxes(graph, labels)
    folded = 0
    for group in _glass_candidates(graph, vehicle):
        if not _is_glass(graph, group, owners, vehicle, boxes):
            continue
        parts = [group]
        if body and _median(graph, group) < GLASS_LIGHTNESS:
            peeled = body_pieces(graph, group, owners, boxes)
            if peeled:  # what is left is glass only if it still passes the test
                parts = [
                    part
                    for part in graph.groups(set(group) - peeled)
                    if _is_glass(graph, part, owners, vehicle, boxes)
                ]
        for part in parts:
            folded += _fold(graph, part, windows, dark_tone)
    return folded


#: A reflection in a dark pane is at most this fraction of the pane's area; the pane is under
#: GLASS_MAX_SHARE of the vehicle (a dark region enclosing what it holds may be a black panel
#: with a light lamp in it, so the limit stays tight). A pane that window pieces join is
#: under PANE_MAX_SHARE: a bus's band of side windows is a quarter of it.
PANE_MAX_RATIO, PANE_MAX_SHARE = 0.6, 0.35


def dark_panes(
    graph: RegionGraph, owners: Labels, vehicle: float, max_share: float, boxes: Boxes
) -> list[int]:
    """Dark panes: neutral regions darker than GLASS_LIGHTNESS, under ``max_share`` of the
    vehicle, touching the background along at most GLASS_MAX_OPEN of their outline and not
    standing on the ground (a tyre does; so does a dark bumper on the silhouette's bottom).
    ``boxes``: ``region_boxes(owners)``."""
    panes = []
    for region in graph.living():
        color = graph.color[region]
        if chroma(color) >= NEUTRAL_CHROMA or color[0] >= GLASS_LIGHTNESS:
            continue
        if graph.area[region] >= max_share * vehicle:
            continue
        if graph.background[region] > GLASS_MAX_OPEN * graph.perimeter(region):
            continue
        if footprint([region], owners, boxes)[1] > GLASS_MAX_GROUND:
            continue
        panes.append(region)
    return panes


def fold_into_pane(graph: RegionGraph, pane: int, region: int, windows: set[int] | None) -> None:
    """``region`` becomes part of the dark ``pane`` (in its tone), which is a window."""
    graph.merge(pane, region, blend=False)
    if windows is not None:
        windows.add(pane)


def absorb_reflections(graph: RegionGraph, labels: Labels, windows: set[int] | None = None) -> int:
    """Fold what a dark pane encloses into it: a region holding at least ENCLOSED_SHARE of its
    outline with the pane, under PANE_MAX_RATIO of the pane's area and not paint (chroma
    under PAINT_CHROMA: sky, clouds, buildings and the interior reflected in or seen through
    the glass) takes the pane's tone. ``labels``: the (h, w) int32 map of the graph's original
    regions (-1 outside). Returns the regions folded."""
    vehicle = float(graph.area[graph.alive].sum())
    folded, changed = 0, True
    while changed:
        changed = False
        owners, boxes = owners_and_boxes(graph, labels)
        for pane in dark_panes(graph, owners, vehicle, GLASS_MAX_SHARE, boxes):
            for region in list(graph.border[pane]):
                if not graph.alive[region] or chroma(graph.color[region]) >= PAINT_CHROMA:
                    continue
                share = graph.border[region][pane] / max(graph.perimeter(region), 1.0)
                if (
                    share >= ENCLOSED_SHARE
                    and graph.area[region] <= PANE_MAX_RATIO * graph.area[pane]
                ):
                    fold_into_pane(graph, pane, region, windows)
                    folded += 1
                    changed = True
    return folded
