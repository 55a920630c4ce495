"""Chrome, grilles and engines drawn in few colours (step 4 of :mod:`v2v.stages.palette.materials`).

A connected mosaic of at least three small metal pieces (each under ``mosaic_max_piece`` of the
vehicle) is drawn as one part. Without ``metal_mosaics`` the pieces are neutral (chroma under
``neutral_chroma``) and the mosaic keeps the ``mosaic_colors`` palette colours covering most of
it; the other pieces take the ΔE00-nearer of them. With ``metal_mosaics`` (on) gold and brass
pieces are metal too (hue within METAL_HUES, chroma under ``keep_hue_chroma``: a lowrider's gold
parts, whose glare is white and whose reflections are grey), and a designer's two tones are
kept: the base (the palette colour covering most of the mosaic) and, with ``mosaic_colors`` ≥ 2,
one shade (the colour covering most of the pieces at least SHADE_STEP L* darker than the base's
pieces), which those dark pieces take, or for a neutral base without a shade (a dark grille)
one highlight (likewise, the pieces SHADE_STEP lighter); every other piece takes the base,
except tinted pieces in a neutral base (a yellow helmet in a racing car's grey cockpit).
Two mid tones covering most (gold and grey reflections) were a patchwork of both; now one of
them is the base, the glare and the reflections take it, and only the dark gaps are the shade.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import delta_e_2000
from v2v.color.lch import chroma_of
from v2v.color.metal import gold_hued, linked_parts
from v2v.config import MaterialsConfig
from v2v.stages.palette.gold import paint_shade

FloatArray = NDArray[np.float64]
#: A mosaic's second tone is its shade: pieces this much (L*) darker than the base's pieces.
SHADE_STEP = 20.0


def _metal(
    lab: FloatArray, areas: NDArray[np.int64], borders: NDArray[np.int64], config: MaterialsConfig
) -> NDArray[np.bool_]:
    """Which regions are metal: neutral, or (``metal_mosaics``) gold or brass (METAL_HUES,
    chroma under ``keep_hue_chroma``: vivid yellow paint is no metal, nor, with
    ``yellow_paint``, its shade: :func:`v2v.stages.palette.gold.paint_shade`)."""
    chroma = chroma_of(lab)
    metal: NDArray[np.bool_] = chroma < config.neutral_chroma
    if config.metal_mosaics:
        gold = gold_hued(lab) & (chroma < config.keep_hue_chroma)
        metal = metal | (gold & ~paint_shade(lab, areas, borders, config))
    return metal


def neutral_mosaics(
    lab: FloatArray, areas: NDArray[np.int64], borders: NDArray[np.int64], config: MaterialsConfig
) -> list[NDArray[np.int64]]:
    """Connected groups (≥ 3 pieces) of small metal regions (``_metal``), each under
    ``mosaic_max_piece`` of the vehicle (a tyre or a white cab stays out).
    ``borders``: (m, 3) [first, second, length]."""
    small = _metal(lab, areas, borders, config)
    small &= areas < config.mosaic_max_piece * float(areas.sum())
    component = linked_parts(small, borders)
    groups = [np.flatnonzero(small & (component == c)) for c in np.unique(component[small])]
    return [group for group in groups if len(group) >= 3]


def _two_tones(
    group: NDArray[np.int64],
    choice: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> NDArray[np.int64]:
    """Palette index per piece of ``group``: the base, or with ``mosaic_colors`` ≥ 2 the second
    tone for the pieces it names (see the module docstring)."""
    used = np.bincount(choice[group], weights=areas[group], minlength=len(palette_lab))
    base = int(np.argmax(used))
    on_base = choice[group] == base
    base_lightness = np.average(lab[group[on_base], 0], weights=areas[group[on_base]])
    tones = np.full(len(group), base, dtype=np.int64)
    neutral_base = chroma_of(palette_lab[base]) < config.neutral_chroma
    if neutral_base:  # chrome: a gold or yellow piece in it (a driver's helmet) keeps its colour
        tinted = chroma_of(lab[group]) >= config.neutral_chroma
        tones[tinted] = choice[group[tinted]]
    else:
        tinted = np.zeros(len(group), dtype=bool)
    apart = ~tinted & (lab[group, 0] <= base_lightness - SHADE_STEP)  # the shade
    if not apart.any() and neutral_base:
        apart = ~tinted & (lab[group, 0] >= base_lightness + SHADE_STEP)  # a dark grille's bars
    if config.mosaic_colors < 2 or not apart.any():
        return tones
    second = np.bincount(choice[group[apart]], weights=areas[group[apart]], minlength=len(used))
    second[base] = 0.0
    if second.any():
        tones[apart] = int(np.argmax(second))
    return tones


def calm_mosaics(
    choice: NDArray[np.int64],
    lab: FloatArray,
    areas: NDArray[np.int64],
    borders: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> None:
    """A mosaic of small metal pieces keeps at most ``mosaic_colors`` palette colours (see the
    module docstring). Changes ``choice`` (palette index per region) in place."""
    for group in neutral_mosaics(lab, areas, borders, config):
        used = np.bincount(choice[group], weights=areas[group], minlength=len(palette_lab))
        if np.count_nonzero(used) <= (1 if config.metal_mosaics else config.mosaic_colors):
            continue
        if config.metal_mosaics:
            choice[group] = _two_tones(group, choice, lab, areas, palette_lab, config)
            continue
        kept = np.argsort(-used, kind="stable")[: config.mosaic_colors]
        distance = delta_e_2000(lab[group][:, None, :], palette_lab[kept][None, :, :])
        choice[group] = kept[np.argmin(distance, axis=1)]
