"""Which flat regions are one paint, and the tone that names it (``phase3.materials``).

Neighbouring paint regions of one hue are one surface under different light (shade keeps HSV
saturation, glare lowers it; shade under an open sky turns bluer); separate groups whose lit
tones are close, or one a smaller group close to the other's own shaded regions, are one
paint seen in two places. A material's lit tone is its lightest sizeable, saturated region.
The palette colour each material takes is chosen in :mod:`v2v.stages.palette.materials`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import delta_e_2000
from v2v.color.lch import chroma_of as _chroma
from v2v.color.lch import hsv_saturation
from v2v.color.lch import hue_gap as _hue_gap
from v2v.config import MaterialsConfig

FloatArray = NDArray[np.float64]
#: A material's lit tone is chosen among its regions covering at least this share of it.
MIN_TONE_SHARE = 0.05
#: Glare is at most this fraction of the paint region it lies on.
GLARE_MAX_RATIO = 0.5
#: A palette colour is the shade of another when at least this much darker (L units); so is
#: a sky-lit shadow of a paint.
SHADOW_MIN_STEP = 10.0
#: A lone flat region of clear paint (``paint_hue_chroma``) keeps its hue only when it covers
#: at least this share of the vehicle: a small patch of grass or dirt seen through a frame
#: stays in the neutrals, a camouflage patch does not. Yellow paint (``yellow_paint``) is a
#: surface this large too: an amber reflector is no paint.
LONE_PAINT_SHARE = 0.02
#: Dark paint (``dark_paint_saturation``) is darker than this (L*).
DARK_PAINT_LIGHTNESS = 40.0
#: ``pale_bulk``: a pale bulk averages (by area) at least this many L* over the dark tone.
PALE_BULK_STEP = 2 * SHADOW_MIN_STEP
#: The hue (CIELAB degrees) a shadow under an open sky turns towards: blue (b* < 0).
SKY_HUE = -90.0


def _one_surface(
    first: int,
    second: int,
    lab: FloatArray,
    areas: NDArray[np.int64],
    saturation: FloatArray,
    config: MaterialsConfig,
) -> bool:
    """Whether neighbouring paint regions are one surface under different light: of one hue,
    and the darker one is the lighter in shade (saturation within ``shade_saturation_ratio``)
    or the lighter one is glare on the darker (less saturated, at most GLARE_MAX_RATIO of its
    size)."""
    dark, light = (first, second) if lab[first, 0] <= lab[second, 0] else (second, first)
    shade = bool(_like_saturation(saturation[dark], saturation[light], config))
    if float(_hue_gap(lab[first], lab[second])) > config.hue_degrees:
        return shade and _sky_lit(lab[dark], lab[light], config)
    glare = saturation[light] < saturation[dark] and areas[light] <= GLARE_MAX_RATIO * areas[dark]
    return bool(shade or glare)


def _like_saturation(
    dark: FloatArray, light: FloatArray, config: MaterialsConfig
) -> NDArray[np.bool_]:
    """Whether HSV saturations are alike as light falling off leaves them: within
    ``shade_saturation_ratio`` of each other (elementwise)."""
    ratio = np.asarray(dark, dtype=np.float64) / np.maximum(light, 1e-9)
    like: NDArray[np.bool_] = (ratio >= 1.0 / config.shade_saturation_ratio) & (
        ratio <= config.shade_saturation_ratio
    )
    return like


def _sky_lit(dark: FloatArray, light: FloatArray, config: MaterialsConfig) -> bool:
    """Whether ``dark`` is ``light`` paint in a shadow lit by the sky: darker by at least
    SHADOW_MIN_STEP, within ``shade_hue_degrees`` of its hue and turned towards the sky's blue
    (SKY_HUE), as shade under an open sky is (a teal truck's rear goes blue, not black)."""
    if config.shade_hue_degrees <= config.hue_degrees or dark[0] > light[0] - SHADOW_MIN_STEP:
        return False
    if float(_hue_gap(dark, light)) > config.shade_hue_degrees:
        return False
    sky = np.array([0.0, np.cos(np.radians(SKY_HUE)), np.sin(np.radians(SKY_HUE))])
    return float(_hue_gap(dark, sky)) < float(_hue_gap(light, sky))


def is_paint(lab: FloatArray, saturation: FloatArray, config: MaterialsConfig) -> NDArray[np.bool_]:
    """(k,): paint regions: chroma ≥ ``paint_chroma``, or dark paint (L* under
    DARK_PAINT_LIGHTNESS) with chroma ≥ ``neutral_chroma`` and HSV saturation ≥
    ``dark_paint_saturation`` (0 = off): a maroon wagon in shade has little chroma, but is
    as saturated as its lit side, and must not leave its surface for black."""
    paint: NDArray[np.bool_] = _chroma(lab) >= config.paint_chroma
    if config.dark_paint_saturation > 0:
        dark = (lab[:, 0] < DARK_PAINT_LIGHTNESS) & (_chroma(lab) >= config.neutral_chroma)
        paint |= dark & (saturation >= config.dark_paint_saturation)
    return paint


def group_materials(
    lab: FloatArray, areas: NDArray[np.int64], borders: NDArray[np.int64], config: MaterialsConfig
) -> NDArray[np.int64]:
    """Group id per region (k,): neighbouring paint regions that are one surface share one."""
    count = len(lab)
    parent = np.arange(count)
    total = areas.astype(np.float64).copy()
    summed = lab * total[:, None]
    saturation = hsv_saturation(lab)
    paint = is_paint(lab, saturation, config)

    def find(region: int) -> int:
        while parent[region] != region:
            parent[region] = parent[parent[region]]
            region = int(parent[region])
        return region

    for first, second, _ in borders[np.argsort(-borders[:, 2], kind="stable")].tolist():
        if not (paint[first] and paint[second]):
            continue
        a, b = find(first), find(second)
        if a == b or not _one_surface(first, second, lab, areas, saturation, config):
            continue
        mean_a, mean_b = summed[a] / total[a], summed[b] / total[b]
        limit = max(config.hue_degrees, config.shade_hue_degrees)
        if float(_hue_gap(mean_a, mean_b)) > limit:
            continue
        parent[b] = a
        total[a] += total[b]
        summed[a] += summed[b]
    return np.array([find(region) for region in range(count)], dtype=np.int64)


def lit_tone(
    lab: FloatArray, areas: NDArray[np.int64], saturation_ratio: float, largest: bool = False
) -> FloatArray:
    """The colour (3,) a material is painted: its lightest sizeable region (≥ MIN_TONE_SHARE
    of its area) among those with at least ``saturation_ratio`` of the most saturated sizeable
    region's saturation. Shade darkens paint, glare lightens it but washes it out; what is
    left, lit and saturated, is the paint a designer names. With ``largest`` the material's
    largest region is a candidate too, however pale (see ``choose_colors``)."""
    sizeable = areas >= MIN_TONE_SHARE * float(areas.sum())
    if not sizeable.any():
        sizeable = areas == areas.max()
    saturation = hsv_saturation(lab)
    saturated = sizeable & (saturation >= saturation_ratio * float(saturation[sizeable].max()))
    if largest:
        saturated[int(np.argmax(areas))] = True
    candidates = np.flatnonzero(saturated)
    tone: FloatArray = lab[candidates[int(np.argmax(lab[candidates, 0]))]]
    return tone


def same_paint(
    lab: FloatArray, areas: NDArray[np.int64], group: NDArray[np.int64], config: MaterialsConfig
) -> NDArray[np.int64]:
    """Join groups that are one paint seen in separate places (a fire truck's cab and body,
    split by chrome): paint groups whose lit tones are within ``hue_degrees`` of hue and
    ``same_paint_delta_e`` ΔE00, largest first. With ``same_paint_shade`` also a group at most
    GLARE_MAX_RATIO of the paint's size whose tone is close (``same_paint_delta_e``) to one of
    the paint's own shaded regions (``in_shade`` of its lit tone): a tricycle's shaded
    mudguard, apart from its frame, is as dark as the frame's shade; a part only darker than
    the paint (an orange body's brown seat) is another paint. A part joined as shade names
    nothing (no chaining to ever darker parts). Returns the new group id per region."""
    roots = [r for r in np.unique(group) if _chroma(lab[group == r]).max() >= config.paint_chroma]
    roots.sort(key=lambda r: -int(areas[group == r].sum()))
    tones = {
        r: lit_tone(lab[group == r], areas[group == r], config.lit_saturation_ratio) for r in roots
    }
    size = {r: int(areas[group == r].sum()) for r in roots}
    shades = {r: _shaded_regions(lab[group == r], tones[r], config) for r in roots}
    joined = group.copy()
    kept: dict[int, list[int]] = {}  # each paint's own parts (its own, those close to it)
    for root in roots:
        home, shaded = _paint_of(root, kept, tones, shades, size, config)
        if home is None:
            kept[root] = []
            home = root
        if not shaded:
            kept[home].append(root)
        joined[group == root] = home
    return joined


def _shaded_regions(lab: FloatArray, tone: FloatArray, config: MaterialsConfig) -> FloatArray:
    """The colours (n, 3) of a group's regions that are its lit ``tone`` in shade."""
    shaded: FloatArray = lab[in_shade(lab, tone[None, :], config.hue_degrees, config)]
    return shaded


def _paint_of(
    root: int,
    kept: dict[int, list[int]],
    tones: dict[int, FloatArray],
    shades: dict[int, FloatArray],
    size: dict[int, int],
    config: MaterialsConfig,
) -> tuple[int | None, bool]:
    """The kept paint that group ``root`` is (its lit tone close to the paint's, in any paint
    first; with ``same_paint_shade``, or a smaller group whose tone is close to one of the
    shaded regions of the paint's own parts) and whether it
    joins as shade; (None, False) for a new paint. The airliner's blue tail piece is close
    to the tail, not a shade of the grey-blue fuselage it is only near in ΔE00."""
    for home in kept:
        if _close(tones[root], tones[home], config):
            return home, False
    if not config.same_paint_shade:
        return None, False
    for home, parts in kept.items():
        if size[root] > GLARE_MAX_RATIO * sum(size[p] for p in parts):
            continue
        if any(_close(tones[root], shade, config) for p in parts for shade in shades[p]):
            return home, True
    return None, False


def _close(first: FloatArray, second: FloatArray, config: MaterialsConfig) -> bool:
    """Whether two paint tones are one paint: within ``same_paint_delta_e`` ΔE00 and
    ``hue_degrees`` of hue."""
    if float(delta_e_2000(first, second)) > config.same_paint_delta_e:
        return False
    return float(_hue_gap(first, second)) <= config.hue_degrees


def in_shade(
    dark: FloatArray, light: FloatArray, hue_limit: float, config: MaterialsConfig
) -> NDArray[np.bool_]:
    """Whether colours ``dark`` (..., 3) are colours ``light`` (broadcast) in shade: at least
    SHADOW_MIN_STEP darker, within ``hue_limit`` degrees of hue and of like HSV saturation
    (``_like_saturation``: light falling off keeps it). The one test of a region's shade and
    of a palette's shade pair (``materials.shade_pairs``)."""
    dark, light = np.broadcast_arrays(dark, light)
    shape = dark.shape[:-1]
    saturation = hsv_saturation(np.concatenate([dark.reshape(-1, 3), light.reshape(-1, 3)]))
    half = saturation.size // 2
    like = _like_saturation(saturation[:half], saturation[half:], config).reshape(shape)
    darker = dark[..., 0] <= light[..., 0] - SHADOW_MIN_STEP
    shaded: NDArray[np.bool_] = darker & (_hue_gap(dark, light) <= hue_limit) & like
    return shaded


def pale_bulk_parts(
    lab: FloatArray, areas: NDArray[np.int64], group: NDArray[np.int64], config: MaterialsConfig
) -> list[NDArray[np.int64]]:
    """The pale bulks (``pale_bulk``): for each material whose lit tone is dark paint (L* under
    DARK_PAINT_LIGHTNESS) but more than ``pale_bulk_share`` of whose area lies in regions at
    least SHADOW_MIN_STEP lighter, averaging (by area) at least PALE_BULK_STEP lighter, those
    lighter regions (a material of their own). Glare is at most half a paint, so a pale bulk is
    no glare on it: a schooner's beige sails chained through ever darker shade to its dark
    wooden mast, or an airliner's grey-blue fuselage to its navy tail, are not named by the
    mast or the tail (whether the chain forms at all changes with phase II's grid). The dark
    members keep the whole material's colour; the share has a margin over glare's half (a
    pale bulk is no near tie) and the bulk a real step (not the paint's lit side)."""
    parts = []
    for root in np.unique(group):
        members = np.flatnonzero(group == root)
        if len(members) < 2:
            continue
        tone = lit_tone(lab[members], areas[members], config.lit_saturation_ratio)
        if tone[0] >= DARK_PAINT_LIGHTNESS:
            continue
        pale = members[lab[members, 0] >= tone[0] + SHADOW_MIN_STEP]
        if areas[pale].sum() <= config.pale_bulk_share * areas[members].sum():
            continue
        lightness = float(np.average(lab[pale, 0], weights=areas[pale]))
        if lightness >= tone[0] + PALE_BULK_STEP:
            parts.append(pale)
    return parts
