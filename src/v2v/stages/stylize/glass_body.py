"""The body around a dark window (``phase2.flatten.glass_body``): the light pieces of a dark
glass mosaic (:func:`v2v.stages.stylize.glass.unify_glass`) that are paint, not glass."""

from __future__ import annotations

import numpy as np

from v2v.geometry import fill_holes
from v2v.stages.stylize.owners import Boxes, box_of
from v2v.stages.stylize.raster import Labels
from v2v.stages.stylize.regions import GLASS_LIGHTNESS, PAINT_CHROMA, RegionGraph, chroma

#: In dark glass, a light piece is the body's paint when at least BODY_SHARE of its outline
#: is the background, a light neutral body region outside the mosaic that it is a shade of, or
#: another peeled piece, and either BODY_OPEN of its outline is the background or it is a
#: shade of such a body region it touches; the mosaic's dark pieces must not enclose
#: BODY_ENCLOSED of it (``glass_body``). A shade is darker than the body region, its a*b* at
#: most SHADE_AB from the region's (the same chroma and hue): a sky reflection lighter than a
#: silver body, or bluer, is glass.
BODY_SHARE, BODY_ENCLOSED, BODY_OPEN, SHADE_AB = 0.4, 0.5, 0.25, 8.0


def _shade_of(graph: RegionGraph, piece: int, body: int) -> bool:
    """Whether ``piece`` is ``body``'s colour in shade: darker, the same chroma and hue."""
    piece_colour, body_colour = graph.color[piece], graph.color[body]
    ab = float(np.hypot(*(piece_colour[1:] - body_colour[1:])))
    return bool(piece_colour[0] < body_colour[0] and ab <= SHADE_AB)


def body_pieces(graph: RegionGraph, group: list[int], owners: Labels, boxes: Boxes) -> set[int]:
    """The light pieces (L ≥ GLASS_LIGHTNESS) of a dark glass mosaic that are the body
    around the window, not the glass: a white cab in shade is light grey pieces beside its
    windscreen, each small enough to join the mosaic, and its area-weighted median drew the
    cab's top as glass. A piece is peeled when it is on the silhouette's edge (BODY_OPEN of
    its outline the background) or a shade of a light neutral body region it touches
    (``_shade_of``), BODY_SHARE of its outline is the background, such body regions or pieces
    already peeled, and the union of the mosaic's dark pieces (holes filled) covers under
    BODY_ENCLOSED of it: what the dark glass encloses (the interior, a reflection) stays
    glass, and so does a reflection lighter than the body beside it (sky in a silver car's
    windscreen). ``boxes``: ``region_boxes(owners)``."""
    members = set(group)
    found = box_of(group, boxes)
    assert found is not None  # a mosaic's pieces are living regions of ``owners``
    y, x = found
    crop = owners[y, x]
    dark = [r for r in group if graph.color[r][0] < GLASS_LIGHTNESS]
    enclosed = fill_holes(np.isin(crop, dark))

    def covered(region: int) -> float:
        box = boxes[region]
        assert box is not None
        inner = (
            slice(box[0].start - y.start, box[0].stop - y.start),
            slice(box[1].start - x.start, box[1].stop - x.start),
        )
        return float(enclosed[inner][crop[inner] == region].mean())

    light = [
        r for r in group if graph.color[r][0] >= GLASS_LIGHTNESS and covered(r) < BODY_ENCLOSED
    ]

    def body(other: int) -> bool:
        colour = graph.color[other]
        return other not in members and (
            colour[0] >= GLASS_LIGHTNESS and chroma(colour) < PAINT_CHROMA
        )

    peeled: set[int] = set()
    changed = True
    while changed:
        changed = False
        for region in light:
            if region in peeled:
                continue
            border = graph.border[region]
            shades = {o for o in border if (body(o) or o in peeled) and _shade_of(graph, region, o)}
            edge = graph.background[region]
            if not shades and edge < BODY_OPEN * graph.perimeter(region):
                continue
            support = edge + sum(n for o, n in border.items() if o in peeled or o in shades)
            if support >= BODY_SHARE * graph.perimeter(region):
                peeled.add(region)
                changed = True
    return peeled
