"""Window pieces (``phase2.flatten.window_pieces``): a big window is one glass shape.

A piece beside a dark pane (see :mod:`v2v.stages.stylize.glass`) that the pane does not
enclose, because it also reaches the window's frame, is the same glass when it is framed by
paint, or (``window_dark_pieces``) dark grey itself. A dark pane hanging from the
silhouette's top is a roof and takes no window under it (``window_roofs``); a light
piece running between two panes of one tone is paint between two windows
(``window_separators``).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from v2v.stages.stylize.glass import (
    GLASS_LIGHTNESS,
    GLASS_MAX_GROUND,
    PANE_MAX_SHARE,
    dark_panes,
    fold_into_pane,
)
from v2v.stages.stylize.owners import Boxes, footprint, owners_and_boxes, sky_contact
from v2v.stages.stylize.raster import Labels
from v2v.stages.stylize.regions import NEUTRAL_CHROMA, PAINT_CHROMA, RegionGraph, chroma

#: Window pieces: a neutral region holding at least PIECE_SHARE of its outline with a dark
#: pane, at most PIECE_MAX_RATIO times the pane's area, the two together under
#: PANE_MAX_SHARE of the vehicle, touching the background along at most GLASS_MAX_OPEN of
#: its outline, is the same glass.
PIECE_SHARE, PIECE_MAX_RATIO, PIECE_MAX_OPEN = 0.25, 2.0, 0.25
#: A piece is darker than this (L*): white beside dark glass is paint (a fire truck's white
#: stripe under its windscreen, framed by red), not a reflection, unless it spans no wider
#: than the pane and reaches no lower, give or take WHITE_BOX_MARGIN of its size: sky
#: reflected in a windscreen (a bus's upper deck) hangs from its top, a stripe runs below.
PIECE_MAX_LIGHTNESS, WHITE_BOX_MARGIN = 85.0, 0.05
#: ... and of the rest of its outline (not the pane, not the background) at least PIECE_FRAME
#: is paint or another dark pane: the window's frame, not a grey roof or a white cab beside it.
PIECE_FRAME = 0.6
#: With ``dark_pieces``, a piece darker than this (L*) needs no frame: dark grey beside black
#: glass (the far end of a yacht's window band, a rubber seal) is the glass, on a white body too.
DARK_PIECE_LIGHTNESS = 45.0
#: With ``edge_pieces``, a dark piece whose outline is at least EDGE_SHARE the pane and the
#: background is the window's end at the silhouette (a windscreen wrapping round a cab's
#: corner), however open to the background: nothing else borders it. The pane holds at least
#: EDGE_PANE of its outline besides the background, and the piece is a sliver, at most
#: EDGE_MAX_RATIO of the pane's area: a dark roof on a window band, open to the sky, borders
#: little but the pane and the background too, but is a band along the whole window.
EDGE_SHARE, EDGE_PANE, EDGE_MAX_RATIO = 0.9, 0.5, 0.2
#: With ``separators``, a piece no darker than DARK_PIECE_LIGHTNESS holding PIECE_SHARE of its
#: outline with each of two dark panes of one glass tone (lightness within SEPARATOR_TONE)
#: lies between two windows (a deck stripe between a yacht's window bands): it is paint, not
#: a reflection in one of them. A lighter dark-grey pane beside black glass is a reflection
#: in the same window (a bus's band), and a piece between the two is one too.
SEPARATOR_TONE = 8.0
#: ... each pane at least SEPARATOR_PANE_AREA of the piece's area: the windows either side of a
#: stripe are not much smaller than it (a dark fleck beside a light part is no window), and
#: the piece holds at least SEPARATOR_SIDE of each pane's outline: it runs along the panes'
#: long side, as a stripe between two window bands does. A glare crossing one window (or a
#: pillar between two) holds their short side, under a quarter of a pane wider than tall,
#: and is a reflection in the window.
SEPARATOR_PANE_AREA, SEPARATOR_SIDE = 0.5, 0.25
#: With ``roofs``, a dark pane with more than ROOF_SKY of its top edge on the background
#: (``sky_contact``) hangs from the silhouette's top: a dark roof, perhaps joined to the
#: glass under it. It takes no window under it: a piece more than half of whose pixels lie
#: under the pane's lowest row, or larger than ROOF_PIECE_RATIO of the pane (a two-tone
#: MINI's black roof, 1.2 times smaller than its light rear window, wraps round it and took
#: it). A reflection within glass joined to the roof is a small part of it (a sill's
#: reflection, a convertible's windscreen: 0.1 and 0.25 of the pane in the drawn tests).
ROOF_SKY, ROOF_PIECE_RATIO = 0.5, 0.5


def _beside_tyre(graph: RegionGraph, pane: int, owners: Labels, boxes: Boxes) -> bool:
    """Whether a dark pane borders a tyre (a dark neutral region standing on the ground): the
    shadow in a wheel arch is dark and enclosed like glass, but its grey trim is no
    reflection."""
    for other in graph.border[pane]:
        colour = graph.color[other]
        dark = colour[0] < GLASS_LIGHTNESS and chroma(colour) < NEUTRAL_CHROMA
        if dark and footprint([other], owners, boxes)[1] > GLASS_MAX_GROUND:
            return True
    return False


def _within_pane(region: int, pane: int, owners: Labels) -> bool:
    """Whether ``region`` spans no wider than ``pane`` and reaches no lower (image rows grow
    downwards), give or take WHITE_BOX_MARGIN of the pane's width and height: the sky hangs
    from a window's top, a stripe runs below or along it."""
    rows, cols = np.nonzero(owners == region)
    pane_rows, pane_cols = np.nonzero(owners == pane)
    width = float(pane_cols.max() - pane_cols.min() + 1)
    height = float(pane_rows.max() - pane_rows.min() + 1)
    if cols.min() < pane_cols.min() - WHITE_BOX_MARGIN * width:
        return False
    if cols.max() > pane_cols.max() + WHITE_BOX_MARGIN * width:
        return False
    return bool(rows.max() <= pane_rows.max() + WHITE_BOX_MARGIN * height)


def _framed_by_paint(graph: RegionGraph, region: int, pane: int, panes: set[int]) -> bool:
    rest = {o: n for o, n in graph.border[region].items() if o != pane}
    total = float(sum(rest.values()))
    frame = sum(n for o, n in rest.items() if chroma(graph.color[o]) >= PAINT_CHROMA or o in panes)
    return total == 0 or frame >= PIECE_FRAME * total


def _edge_piece(graph: RegionGraph, region: int, pane: int, owners: Labels, boxes: Boxes) -> bool:
    """Whether ``region`` is a dark piece (under DARK_PIECE_LIGHTNESS) bordered by nothing but
    ``pane`` and the background (EDGE_SHARE of its outline), the pane EDGE_PANE of its outline
    besides the background, at most EDGE_MAX_RATIO of the pane's area (a sliver at the
    window's end, not a band along it) and not standing on the ground."""
    if graph.color[region][0] >= DARK_PIECE_LIGHTNESS:
        return False
    if graph.area[region] > EDGE_MAX_RATIO * graph.area[pane]:
        return False
    with_pane, open_ = graph.border[region].get(pane, 0), graph.background[region]
    perimeter = graph.perimeter(region)
    if with_pane + open_ < EDGE_SHARE * perimeter:
        return False
    if with_pane < EDGE_PANE * (perimeter - open_):
        return False
    return footprint([region], owners, boxes)[1] <= GLASS_MAX_GROUND


def _under_roof(graph: RegionGraph, region: int, pane: int, owners: Labels, boxes: Boxes) -> bool:
    """Whether ``region`` is a window under the roof ``pane``, not a reflection within glass
    joined to it: more than ROOF_PIECE_RATIO of the pane's area, or more than half of its
    pixels under the pane's lowest row (image rows grow downwards)."""
    if graph.area[region] > ROOF_PIECE_RATIO * graph.area[pane]:
        return True
    pane_box, box = boxes[pane], boxes[region]
    if pane_box is None or box is None:
        return False
    rows = np.nonzero(owners[box] == region)[0] + box[0].start
    return bool(rows.size and np.mean(rows >= pane_box[0].stop) > 0.5)


def _separator(graph: RegionGraph, region: int, panes: list[int]) -> bool:
    """Whether ``region`` (no darker than DARK_PIECE_LIGHTNESS) holds PIECE_SHARE of its
    outline with each of two living dark ``panes`` whose lightness differs by at most
    SEPARATOR_TONE, each at least SEPARATOR_PANE_AREA of its area and holding SEPARATOR_SIDE
    of its own outline with it: it separates two windows of one glass."""
    if graph.color[region][0] < DARK_PIECE_LIGHTNESS:
        return False
    outline = max(graph.perimeter(region), 1.0)
    border = graph.border[region]
    beside = sorted(
        float(graph.color[p][0])
        for p in panes
        if graph.alive[p]
        and border.get(p, 0) >= PIECE_SHARE * outline
        and graph.area[p] >= SEPARATOR_PANE_AREA * graph.area[region]
        and border.get(p, 0) >= SEPARATOR_SIDE * graph.perimeter(p)
    )
    return any(b - a <= SEPARATOR_TONE for a, b in pairwise(beside))


def absorb_window_pieces(
    graph: RegionGraph,
    labels: Labels,
    windows: set[int] | None = None,
    dark_pieces: bool = False,
    edge_pieces: bool = False,
    roofs: bool = False,
    separators: bool = False,
) -> int:
    """Make a big window one glass shape: beside a dark pane (see ``dark_panes``), a neutral
    piece (chroma under PAINT_CHROMA, darker than PIECE_MAX_LIGHTNESS: a reflection of the
    street, the interior) that the pane does not enclose, because it also touches the window
    frame, but that holds PIECE_SHARE of its outline with it, is at most PIECE_MAX_RATIO of
    its size, is little open to the background and otherwise framed by paint or other panes,
    takes the pane's tone (a bus's windscreen, half reflection, is one pane); so does white
    sky hanging from the window's top (``_within_pane``). A white body
    beside its windows holds little of its outline with any one of them and is too large; a
    pane beside a tyre is a wheel arch, and is left alone. With ``dark_pieces``
    (``phase2.flatten.window_dark_pieces``) a piece darker than DARK_PIECE_LIGHTNESS needs no
    paint frame. With ``edge_pieces`` (``phase2.flatten.window_edge_pieces``) a dark piece
    bordered only by the pane and the background, a sliver beside it, may be open to it
    (``_edge_piece``). With ``roofs`` (``phase2.flatten.window_roofs``) a pane hanging from
    the silhouette's top (ROOF_SKY) is a roof and takes no window under it
    (``_under_roof``). With ``separators`` (``phase2.flatten.window_separators``) a piece
    running between two panes of one tone (``_separator``) stays.
    Returns the pieces folded; ``phase2.flatten.window_pieces``."""
    vehicle = float(graph.area[graph.alive].sum())
    folded, changed = 0, True
    while changed:
        changed = False
        owners, boxes = owners_and_boxes(graph, labels)
        panes = dark_panes(graph, owners, vehicle, PANE_MAX_SHARE, boxes)
        for pane in panes:
            if not graph.alive[pane] or _beside_tyre(graph, pane, owners, boxes):
                continue
            roof = roofs and sky_contact([pane], owners, boxes) > ROOF_SKY
            for region in sorted(graph.border[pane], key=lambda r: -graph.border[pane][r]):
                colour = graph.color[region]
                if not graph.alive[region] or chroma(colour) >= PAINT_CHROMA:
                    continue
                if separators and _separator(graph, region, panes):
                    continue
                if roof and _under_roof(graph, region, pane, owners, boxes):
                    continue
                white = colour[0] >= PIECE_MAX_LIGHTNESS  # paint (a stripe), or the sky
                if white and not _within_pane(region, pane, owners):
                    continue
                outline = max(graph.perimeter(region), 1.0)
                together = graph.area[pane] + graph.area[region]
                if not (
                    graph.border[region].get(pane, 0) >= PIECE_SHARE * outline
                    and graph.area[region] <= PIECE_MAX_RATIO * graph.area[pane]
                    and together < PANE_MAX_SHARE * vehicle
                ):
                    continue
                framed = graph.background[region] <= PIECE_MAX_OPEN * outline and (
                    _framed_by_paint(graph, region, pane, set(panes))
                    or (dark_pieces and colour[0] < DARK_PIECE_LIGHTNESS)
                )
                if framed or (edge_pieces and _edge_piece(graph, region, pane, owners, boxes)):
                    fold_into_pane(graph, pane, region, windows)
                    folded += 1
                    changed = True
    return folded
