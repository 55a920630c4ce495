"""Palette colours chosen per material, not per pixel (``phase3.materials``).

Phase II leaves the vehicle as flat regions, one colour each. Mapping each colour to its
nearest palette colour alone draws one surface in several colours: the shaded half of a red
panel goes brown, glare on it pink, a grey-blue window teal. A designer picks one colour per
material. On the regions (one per distinct styled colour, with their shared borders):

1. hue guard: a region with chroma ≥ ``neutral_chroma`` never takes a chromatic palette
   colour whose hue is more than ``max_hue_shift`` degrees from its own; the palette's
   neutrals stay allowed, except for a material (step 3) with a vivid region (chroma ≥
   ``keep_hue_chroma``) when the palette has a colour of its hue (a pink tricycle is not
   drawn grey; a lone vivid patch, e.g. grass reflected in a truck bed, may still be);
   clear paint (lit chroma ≥ ``paint_hue_chroma``: a material, or a lone region of at least
   LONE_PAINT_SHARE of the vehicle) that the ΔE00 would draw in a neutral takes a colour of
   its hue within ``dark_paint_delta_e`` instead (ochre camouflage is not drawn grey);
2. chroma guard: a region with chroma < ``neutral_chroma`` takes the nearest of the palette's
   neutrals (palette colours under ``neutral_chroma``), unless a chromatic colour within
   ``hue_degrees`` of its hue is closer by more than ``chroma_guard_margin`` ΔE00;
3. materials: neighbouring regions with chroma ≥ ``paint_chroma`` whose hues are within
   ``hue_degrees`` (compared with the growing group's mean colour, so hues cannot chain
   round the wheel) are one surface under different light. Separate groups whose lit tones
   are within ``hue_degrees`` and ``same_paint_delta_e`` ΔE00 are one paint seen in two
   places (a cab and a body split by chrome). Each material takes the ΔE00-nearest palette
   colour of its lit tone: its lightest sizeable region among those with at least
   ``lit_saturation_ratio`` of its highest saturation (shade darkens paint, glare washes it
   out). Neighbours are one surface when the darker is the lighter in shade (light falling
   off keeps HSV saturation: within ``shade_saturation_ratio``) or the lighter is glare on
   the darker (less saturated, at most half its size). Shade under an open sky turns bluer:
   a darker neighbour of like saturation up to ``shade_hue_degrees`` away whose hue is nearer
   the sky's blue than the paint's is shade too (a teal truck's rear, not a black one); the
   material's colour is then chosen among those its own-hue regions may take.
   With ``same_paint_shade`` (needs ``same_paint_delta_e`` > 0) a separate group at most half
   a paint's size joins it when its tone is within ``same_paint_delta_e`` of one of the
   paint's own shaded regions (a tricycle's mudguard in shade), not when it is only darker
   (an orange body's brown seat). A palette's *shade pair* (``shade_pairs``) is two
   chromatic colours within PAIR_HUE_DEGREES, the darker one ≥ 10 L* darker with HSV
   saturation within ``shade_saturation_ratio`` (Purple under Magenta; not tan under yellow,
   nor Brown under Red). With ``lit_of_pair`` a material, or a lone region of paint, whose
   colour is a pair's shade takes the lit colour when its lit tone is nearer that in
   lightness and at most LIT_PAIR_MAX_EXTRA ΔE00 farther; with ``largest_is_lit`` the
   material's largest region may name it however pale, only to move from a pair's shade to
   its (more chromatic) lit colour: a light-pink frame with a deep shade stays Magenta, a red
   panel with a large pale band is not drawn pink.
   With ``shadow_color``, a material may take one more colour where the palette has a shade
   of its colour (its shade pair): its regions nearer that shade than the base take it;
4. chrome: a connected mosaic of at least three small metal pieces (each under
   ``mosaic_max_piece`` of the vehicle; neutral, or with ``metal_mosaics`` gold) is drawn in
   at most ``mosaic_colors`` palette colours: a base and one shade (see
   :mod:`v2v.stages.palette.mosaics`).

When a material's nearest palette colour (ΔE00) is chromatic but more than ``hue_tolerance``
degrees off its hue, and the palette has a chromatic colour within that, the nearest of
those is taken: lightness alone must not move a red bus to the orange that is as light as it,
nor a sand tank to orange.
Everything else keeps the exact
ΔE00-nearest palette colour. The regions and the table that
applies the choices to the image are in :mod:`v2v.stages.palette.surfaces`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import delta_e_2000
from v2v.color.lch import chroma_of as _chroma
from v2v.color.lch import hsv_saturation
from v2v.color.lch import hue_gap as _hue_gap
from v2v.config import MaterialsConfig
from v2v.stages.palette.gold import gold_parts
from v2v.stages.palette.guards import allowed_colors, keep_dark_hue, not_too_vivid, rescue_hue
from v2v.stages.palette.mosaics import calm_mosaics
from v2v.stages.palette.paints import (
    DARK_PAINT_LIGHTNESS,
    LONE_PAINT_SHARE,
    group_materials,
    in_shade,
    is_paint,
    lit_tone,
    pale_bulk_parts,
    same_paint,
)
from v2v.stages.palette.patches import absorb_pale_patches

FloatArray = NDArray[np.float64]
#: A colour of a truer hue is taken only when at most this much (ΔE00) farther than the nearest.
TRUER_HUE_MAX_EXTRA = 10.0
#: A shade pair's lit colour is taken at most this much (ΔE00) farther than its shade.
LIT_PAIR_MAX_EXTRA = 5.0
#: A palette's shade pair is of one hue within this many degrees: an orange is no lit red.
PAIR_HUE_DEGREES = 10.0


def shade_pairs(palette_lab: FloatArray, config: MaterialsConfig) -> NDArray[np.bool_]:
    """(P, P): [dark, light] where palette colour ``dark`` is the shade of ``light``: both
    chromatic, ``in_shade`` within PAIR_HUE_DEGREES (at least SHADOW_MIN_STEP darker, HSV
    saturation within ``shade_saturation_ratio``, as light falling off leaves paint). The
    default palette's Purple is Magenta's shade, the designer's Deep red Signal red's and
    Navy Blue's; a brown is no red's shade, nor a yellow a tan's lit colour (both less
    saturated in the dark one)."""
    chromatic = _chroma(palette_lab) >= config.neutral_chroma
    pairs = in_shade(palette_lab[:, None, :], palette_lab[None, :, :], PAIR_HUE_DEGREES, config)
    paired: NDArray[np.bool_] = pairs & chromatic[:, None] & chromatic[None, :]
    return paired


def _shadow_of(base: int, palette_lab: FloatArray, pairs: NDArray[np.bool_]) -> int | None:
    """The palette's shade of ``base`` (``shade_pairs``; the nearest in hue), or None."""
    fits = np.flatnonzero(pairs[:, base])
    gap = _hue_gap(palette_lab[fits], palette_lab[base][None, :])
    return int(fits[np.argmin(gap)]) if len(fits) else None


def _truer_hue(
    base: int,
    tone: FloatArray,
    candidates: NDArray[np.bool_],
    nearest: FloatArray,
    palette_lab: FloatArray,
    tolerance: float,
) -> int:
    """``base``, or the ΔE00-nearest of the ``candidates`` (chromatic palette colours a material
    may take) within ``tolerance`` degrees of the ``tone``'s hue and TRUER_HUE_MAX_EXTRA
    ΔE00 of ``base``'s distance, when ``base`` is chromatic and more than ``tolerance`` degrees
    off it (0 = off), and more than ``tolerance`` degrees from ``base``'s own hue (another hue,
    not ``base``'s shade: a red in shade keeps the designer palette's Signal red rather than
    its Deep red 5° away). Beige sails stay tan rather than the dark brown of their hue; sand
    camouflage (hue 85°) takes the default palette's Gold (6° off), not the Orange (12° off)
    that is only nearer in lightness."""
    if tolerance <= 0 or not candidates[base]:
        return base
    gap = _hue_gap(palette_lab, tone[None, :])
    if gap[base] <= tolerance:
        return base
    truer = candidates & (gap <= tolerance) & (nearest <= nearest[base] + TRUER_HUE_MAX_EXTRA)
    truer &= _hue_gap(palette_lab, palette_lab[base][None, :]) > tolerance  # not its shade
    return int(np.argmin(np.where(truer, nearest, np.inf))) if truer.any() else base


def _material_color(
    tone: FloatArray,
    members: NDArray[np.int64],
    lab: FloatArray,
    surface: NDArray[np.bool_],
    palette_lab: FloatArray,
    pairs: NDArray[np.bool_],
    config: MaterialsConfig,
) -> int:
    """The palette colour of a material of lit ``tone`` (3,) and regions ``members``, among
    those its regions may take (``surface``, (k, P)) under the guards; see the module docstring."""
    chromatic = _chroma(palette_lab) >= config.neutral_chroma
    # the colours every member of the paint's own hue may take (sky-lit shade is bluer)
    own = members[_hue_gap(lab[members], tone[None, :]) <= config.hue_degrees]
    usable = np.asarray(surface[own if len(own) else members].all(axis=0), dtype=bool)
    if not usable.any():
        usable = np.asarray(surface[members].any(axis=0), dtype=bool)
    pale_fits = not_too_vivid(tone[None, :], palette_lab, config)[0]
    if (usable & pale_fits).any():
        usable = usable & pale_fits
    usable = rescue_hue(tone, usable, palette_lab, config)
    nearest = delta_e_2000(tone[None, :], palette_lab)
    base = int(np.argmin(np.where(usable, nearest, np.inf)))
    base = _truer_hue(base, tone, usable & chromatic, nearest, palette_lab, config.hue_tolerance)
    if (
        tone[0] < DARK_PAINT_LIGHTNESS
        and is_paint(tone[None, :], hsv_saturation(tone[None, :]), config)[0]
    ):
        base = keep_dark_hue(tone, base, usable, nearest, palette_lab, config)
    elif _clear_paint(tone, config):
        base = _keep_paint_hue(tone, base, usable, nearest, palette_lab, config)
    if config.lit_of_pair:
        base = _lit_of_pair(tone, base, usable, nearest, palette_lab, pairs)
    return base


def _clear_paint(tone: FloatArray, config: MaterialsConfig) -> bool:
    """Whether ``tone`` (3,) is paint of clear colour (chroma ≥ ``paint_hue_chroma``, 0 = off)
    whose hue a nearer neutral must not take away, as dark paint's (``keep_dark_hue``)."""
    return config.paint_hue_chroma > 0 and float(_chroma(tone)) >= config.paint_hue_chroma


def _keep_paint_hue(
    tone: FloatArray,
    base: int,
    usable: NDArray[np.bool_],
    nearest: FloatArray,
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> int:
    """``base``, or for clear paint drawn in a neutral the colour of its hue (``keep_dark_hue``),
    then the truer hue among the usable chromatic colours (``_truer_hue``)."""
    kept = keep_dark_hue(tone, base, usable, nearest, palette_lab, config)
    if kept == base:  # still a neutral (or was chromatic already): nothing to refine
        return base
    chromatic = usable & (_chroma(palette_lab) >= config.neutral_chroma)
    return _truer_hue(kept, tone, chromatic, nearest, palette_lab, config.hue_tolerance)


def _lit_of_pair(
    tone: FloatArray,
    base: int,
    usable: NDArray[np.bool_],
    nearest: FloatArray,
    palette_lab: FloatArray,
    pairs: NDArray[np.bool_],
) -> int:
    """``base``, or the usable lit colour of a shade pair ``base`` is the shade of
    (``shade_pairs``), when the material's lit ``tone`` is nearer that colour in lightness and
    at most LIT_PAIR_MAX_EXTRA ΔE00 farther from it (``lit_of_pair``): lit pink paint (L* 47)
    is drawn in the default palette's Magenta (L* 60), not its Purple shade (L* 30) that is
    2 ΔE00 nearer only for Magenta's far higher chroma. A tan is not drawn in a yellow that
    is only lighter: the muted palette's tan is no yellow's shade."""
    lit = usable & pairs[base]
    lit &= np.abs(palette_lab[:, 0] - tone[0]) < abs(float(palette_lab[base, 0] - tone[0]))
    lit &= nearest <= nearest[base] + LIT_PAIR_MAX_EXTRA
    return int(np.argmin(np.where(lit, nearest, np.inf))) if lit.any() else base


def _largest_is_lit(
    tone: FloatArray,
    base: int,
    members: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    surface: NDArray[np.bool_],
    palette_lab: FloatArray,
    pairs: NDArray[np.bool_],
    config: MaterialsConfig,
) -> tuple[FloatArray, int]:
    """(tone, colour) of a material, its largest region allowed to name it however pale
    (``largest_is_lit``) when the colour that gives is the lit colour of a shade pair whose
    shade the saturated tone gives (``shade_pairs``; never a less chromatic colour): glare
    is smaller than the paint it lies on, and a deep shadow, more saturated than a light
    pink frame, must not turn it purple. A red panel with a large pale sky-lit band stays red,
    not pink (Pink is no lit Red), and a palette without pinks keeps the light pink frame red,
    not a blue that is only nearer the pale pink."""
    pale = lit_tone(lab[members], areas[members], config.lit_saturation_ratio, largest=True)
    if np.array_equal(pale, tone):
        return tone, base
    other = _material_color(pale, members, lab, surface, palette_lab, pairs, config)
    if not pairs[base, other] or _chroma(palette_lab[other]) < _chroma(palette_lab[base]):
        return tone, base
    if float(_hue_gap(palette_lab[other], pale)) > config.hue_degrees:
        return tone, base
    return pale, other


def choose_colors(
    lab: FloatArray,
    areas: NDArray[np.int64],
    borders: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> NDArray[np.int64]:
    """Palette index per region (k,) from region colours ``lab`` (k, 3) CIELAB, ``areas``
    (k,) pixels and ``borders`` (m, 3) [first, second, length]; see the module docstring."""
    allowed = allowed_colors(lab, palette_lab, config, keep_hue=False)
    surface = allowed_colors(lab, palette_lab, config, keep_hue=True)
    distance = delta_e_2000(lab[:, None, :], palette_lab[None, :, :])
    choice = np.argmin(np.where(allowed, distance, np.inf), axis=1)
    group = group_materials(lab, areas, borders, config)
    if config.same_paint_delta_e > 0:
        group = same_paint(lab, areas, group, config)
    parts = [np.flatnonzero(group == root) for root in np.unique(group)]
    if config.pale_bulk:  # named after their whole material: the dark part keeps its colour
        parts += pale_bulk_parts(lab, areas, group, config)
    pairs = shade_pairs(palette_lab, config)
    paint = is_paint(lab, hsv_saturation(lab), config)
    for members in parts:
        if len(members) < 2:
            root = int(members[0])
            lone_paint = paint[root] and areas[root] >= LONE_PAINT_SHARE * areas.sum()
            if lone_paint and _clear_paint(lab[root], config):
                kept = (allowed[root], distance[root], palette_lab, config)
                choice[root] = _keep_paint_hue(lab[root], int(choice[root]), *kept)
            if config.lit_of_pair and paint[root]:  # one flat region of paint is a material too
                lone = choice[root]
                args = (allowed[root], distance[root], palette_lab, pairs)
                choice[root] = _lit_of_pair(lab[root], lone, *args)
            continue
        tone = lit_tone(lab[members], areas[members], config.lit_saturation_ratio)
        base = _material_color(tone, members, lab, surface, palette_lab, pairs, config)
        if config.largest_is_lit:
            tone, base = _largest_is_lit(
                tone, base, members, lab, areas, surface, palette_lab, pairs, config
            )
        choice[members] = base
        shadow = _shadow_of(base, palette_lab, pairs) if config.shadow_color else None
        if shadow is not None:
            darker = distance[members, shadow] < distance[members, base]
            choice[members[darker]] = shadow
    if config.gold_parts:
        gold_parts(choice, lab, areas, borders, palette_lab, config, surface)
    if config.mosaic_colors > 0:
        calm_mosaics(choice, lab, areas, borders, palette_lab, config)
    if config.pale_patches:
        absorb_pale_patches(choice, lab, areas, borders, palette_lab, config)
    return choice
