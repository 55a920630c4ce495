"""Gold decided once per part, not per region (``phase3.materials.gold_parts``).

A lowrider's gold fork, bars, chainring and chain guard are khaki and olive in the photo
(CIELAB chroma about 10 to 40): each region's own nearest palette colour sits on a knife edge
between the palette's grey and its gold, so one part came out gold in one photo and grey, or a
grey and gold patchwork, in the next. Here the choice is made once per connected metal part,
with hysteresis: gold pieces (hue within METAL_HUES, chroma from ``neutral_chroma`` to under
``keep_hue_chroma``) of at least SEED_CHROMA that the materials step already drew in a
chromatic colour are the part's seeds; every other gold piece drawn in a neutral, at least
DARK_PAINT_LIGHTNESS light (darker gold is the part's shade, and a tank's dark brown track
beside sand camouflage stays dark), and connected to a seed, directly, through small neutral
metal pieces (under ``mosaic_max_piece`` of the vehicle: the grey reflections and white glare
between them) or by being the same styled colour (which takes one palette colour in the end:
its larger region no longer outvotes a gold one for grey), takes the colour covering most of
the part's seeds. Only gold pieces change colour: a chrome crank arm beside a gold chainring
stays grey (the mosaic step then keeps the part to a base and one shade). With ``yellow_paint``
gold-hued pieces connected through gold- hued pieces to vivid paint of a gold hue (chroma at
least ``keep_hue_chroma``: a taxi's or a school bus's yellow) are that paint in shade, not
metal: the paint's own rules name them, here and in the mosaic step (:func:`paint_shade`). A
part without a seed is left alone (beige sails, a cream rocket stay neutral).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from v2v.color.lch import chroma_of
from v2v.config import MaterialsConfig
from v2v.stages.palette.paints import DARK_PAINT_LIGHTNESS

FloatArray = NDArray[np.float64]
#: Gold and brass: CIELAB hues (degrees) of a chromatic metal piece (also ``metal_mosaics``).
METAL_HUES = (60.0, 105.0)
#: A seed is clear gold: at least this chroma (hysteresis: the pieces it recolours need only
#: ``neutral_chroma``). The lowriders' gold wheels and fenders are 25-37; a small cream rail
#: (chroma 18) that the muted palette draws tan made a tugboat's white deck tan.
SEED_CHROMA = 20.0


def gold_hued(lab: FloatArray) -> NDArray[np.bool_]:
    """Which colours (k, 3) CIELAB have a gold or brass hue (METAL_HUES)."""
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0
    inside: NDArray[np.bool_] = (hue >= METAL_HUES[0]) & (hue <= METAL_HUES[1])
    return inside


def _components(
    members: NDArray[np.bool_],
    borders: NDArray[np.int64],
    lab: FloatArray,
    tinted: NDArray[np.bool_],
) -> NDArray[np.int64]:
    """Connected component per region (k,) over the borders between ``members``; ``tinted``
    regions of one styled colour are linked too (they take one palette colour in the end)."""
    count = len(members)
    first, second = borders[:, 0], borders[:, 1]
    both = members[first] & members[second]
    _, colour = np.unique(lab, axis=0, return_inverse=True)
    colour = colour.reshape(-1)
    order = np.flatnonzero(tinted)
    order = order[np.argsort(colour[order], kind="stable")]
    same = colour[order[1:]] == colour[order[:-1]]
    first = np.concatenate([first[both], order[:-1][same]])
    second = np.concatenate([second[both], order[1:][same]])
    links = coo_matrix((np.ones(len(first)), (first, second)), shape=(count, count))
    _, component = connected_components(links, directed=False)
    return np.asarray(component, dtype=np.int64)


def paint_shade(
    lab: FloatArray, borders: NDArray[np.int64], config: MaterialsConfig
) -> NDArray[np.bool_]:
    """Which gold-hued regions (chroma from ``neutral_chroma`` to under ``keep_hue_chroma``)
    are connected through gold-hued regions to vivid paint of a gold hue (chroma at least
    ``keep_hue_chroma``): a taxi's or a school bus's yellow in shade, mustard, not metal
    (``yellow_paint``; all False when it is off)."""
    chroma = chroma_of(lab)
    hued = gold_hued(lab) & (chroma >= config.neutral_chroma)
    vivid = hued & (chroma >= config.keep_hue_chroma)
    if not config.yellow_paint or not vivid.any():
        return np.zeros(len(lab), dtype=bool)
    component = _components(hued, borders, lab, np.zeros(len(lab), dtype=bool))
    shade: NDArray[np.bool_] = np.isin(component, component[vivid]) & hued & ~vivid
    return shade


def gold_parts(
    choice: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    borders: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> int:
    """Gold pieces of a part with gold seeds take the seeds' colour (see the module
    docstring). Changes ``choice`` (palette index per region) in place; returns how many
    regions changed."""
    chroma = chroma_of(lab)
    hued = gold_hued(lab)
    gold = hued & (chroma >= config.neutral_chroma) & (chroma < config.keep_hue_chroma)
    gold &= ~paint_shade(lab, borders, config)
    small = areas < config.mosaic_max_piece * float(areas.sum())
    linking = gold | (small & (chroma < config.neutral_chroma))
    component = _components(linking, borders, lab, gold)
    chromatic = chroma_of(palette_lab) >= config.neutral_chroma
    seeds = gold & chromatic[choice] & gold_hued(palette_lab)[choice] & (chroma >= SEED_CHROMA)
    changed = 0
    for part in np.unique(component[gold & ~chromatic[choice]]):
        inside = component == part
        if not (inside & seeds).any():
            continue
        votes = np.bincount(choice[inside & seeds], weights=areas[inside & seeds])
        colour = int(np.argmax(votes))
        targets = inside & gold & ~chromatic[choice] & (lab[:, 0] >= DARK_PAINT_LIGHTNESS)
        choice[targets] = colour
        changed += int(targets.sum())
    return changed
