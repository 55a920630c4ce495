"""Gold decided once per part, not per region (``phase3.materials.gold_parts``).

A lowrider's gold fork, bars, chainring and chain guard are khaki and olive in the photo (CIELAB
chroma about 10 to 40): each region's own nearest palette colour sits on a knife edge between
the palette's grey and its gold, so one part came out gold in one photo and grey, or a grey and
gold patchwork, in the next. Here the choice is made once per connected metal part, with
hysteresis: gold pieces (hue within METAL_HUES, chroma from ``neutral_chroma`` to under
``keep_hue_chroma``) of at least SEED_CHROMA that the materials step already drew in a chromatic
colour are the part's seeds; every other gold piece drawn in a neutral, at least
DARK_PAINT_LIGHTNESS light (darker gold is the part's shade, and a tank's dark brown track
beside sand camouflage stays dark), and connected to a seed, directly, through small neutral
metal pieces (under ``mosaic_max_piece`` of the vehicle: the grey reflections and white glare
between them) or by being the same styled colour (which takes one palette colour in the end: its
larger region no longer outvotes a gold one for grey), takes the colour covering most of the
part's seeds (by area) when it may take it (``allowed_colors``' hue guards; the chroma ratio
not: a shaded piece is judged by its part's lit gold, as a material's members are), is small
(under ``mosaic_max_piece`` of the vehicle, or no larger than the seeds: a cream body with a
gold pinstripe, a white deck beside a gold rail are no gold part; requiring half the seeds' HSV
saturation too turned the atom-playground lowrider's shaded fork grey and white). Only gold
pieces change colour: a chrome crank arm beside a gold chainring stays grey (the mosaic step
then keeps the part to a base and one shade).
With ``yellow_paint`` gold-hued pieces connected through gold-hued pieces to vivid paint of a
gold hue (chroma at least ``keep_hue_chroma``, covering LONE_PAINT_SHARE of the vehicle: a
taxi's or a school bus's yellow, not an amber reflector) and within
``hue_degrees`` of its hue, are that paint in shade, not metal: the paint's own rules name them,
here and in the mosaic step (:func:`paint_shade`). A part without a seed is left alone (beige
sails, a cream rocket stay neutral).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.lch import chroma_of, hue_gap
from v2v.color.metal import gold_hued, linked_parts, metal_links
from v2v.config import MaterialsConfig
from v2v.stages.palette.paints import DARK_PAINT_LIGHTNESS, LONE_PAINT_SHARE

FloatArray = NDArray[np.float64]
#: A seed is clear gold: at least this chroma (hysteresis: the pieces it recolours need only
#: ``neutral_chroma``). The lowriders' gold wheels and fenders are 30-37; a small cream rail
#: (chroma 18) that the muted palette draws tan made a tugboat's white deck tan.
SEED_CHROMA = 20.0


def _same_colour(lab: FloatArray, tinted: NDArray[np.bool_]) -> NDArray[np.int64]:
    """(n, 2) pairs of ``tinted`` regions of one styled colour (they take one palette colour
    in the end), chained in order."""
    _, colour = np.unique(lab, axis=0, return_inverse=True)
    colour = colour.reshape(-1)
    order = np.flatnonzero(tinted)
    order = order[np.argsort(colour[order], kind="stable")]
    same = colour[order[1:]] == colour[order[:-1]]
    return np.stack([order[:-1][same], order[1:][same]], axis=1).astype(np.int64)


def paint_shade(
    lab: FloatArray, areas: NDArray[np.int64], borders: NDArray[np.int64], config: MaterialsConfig
) -> NDArray[np.bool_]:
    """Which gold-hued regions (chroma from ``neutral_chroma`` to under ``keep_hue_chroma``)
    are connected through gold-hued regions to vivid paint of a gold hue (chroma at least
    ``keep_hue_chroma``, a surface: LONE_PAINT_SHARE of the vehicle or larger than the
    piece), and within
    ``hue_degrees`` of its hue: a taxi's or a school bus's yellow in shade, mustard, not metal
    (``yellow_paint``; all False when it is off)."""
    chroma = chroma_of(lab)
    hued = gold_hued(lab) & (chroma >= config.neutral_chroma)
    vivid = hued & (chroma >= config.keep_hue_chroma)
    shade = np.zeros(len(lab), dtype=bool)
    if not config.yellow_paint or not vivid.any():
        return shade
    component = linked_parts(hued, borders)
    for part in np.unique(component[vivid]):
        paint = (component == part) & vivid
        surface = float(areas[paint].sum())
        colour = np.average(lab[paint], axis=0, weights=areas[paint])
        near = hue_gap(lab, colour) <= config.hue_degrees
        # paint is a surface: of LONE_PAINT_SHARE, or larger than its shade piece (a
        # helmet's yellow top, not an amber reflector on a gold wheel)
        larger = (areas < surface) | (surface >= LONE_PAINT_SHARE * float(areas.sum()))
        shade |= (component == part) & hued & ~vivid & near & larger
    return shade


def gold_parts(
    choice: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    borders: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
    allowed: NDArray[np.bool_],
) -> int:
    """Gold pieces of a part with gold seeds take the seeds' colour (see the module
    docstring). ``allowed`` (k, n): the palette colours each region may take (the surface guards,
    without the chroma ratio). Changes
    ``choice`` (palette index per region) in place; returns how many regions changed."""
    chroma = chroma_of(lab)
    hued = gold_hued(lab)
    gold = hued & (chroma >= config.neutral_chroma) & (chroma < config.keep_hue_chroma)
    gold &= ~paint_shade(lab, areas, borders, config)
    weights = areas.astype(np.float64)
    linking = gold | metal_links(chroma, weights, config.neutral_chroma, config.mosaic_max_piece)
    component = linked_parts(linking, borders, _same_colour(lab, gold))
    chromatic = chroma_of(palette_lab) >= config.neutral_chroma
    seeds = gold & chromatic[choice] & gold_hued(palette_lab)[choice] & (chroma >= SEED_CHROMA)
    small = weights < config.mosaic_max_piece * float(weights.sum())
    changed = 0
    for part in np.unique(component[gold & ~chromatic[choice]]):
        inside = component == part
        seeded = inside & seeds
        if not seeded.any():
            continue
        votes = np.bincount(choice[seeded], weights=weights[seeded])
        colour = int(np.argmax(votes))
        targets = inside & gold & ~chromatic[choice] & (lab[:, 0] >= DARK_PAINT_LIGHTNESS)
        targets &= allowed[:, colour]
        targets &= small | (weights <= weights[seeded].sum())
        choice[targets] = colour
        changed += int(targets.sum())
    return changed
