"""Palette colours chosen per material, not per pixel (``phase3.materials``).

Phase II leaves the vehicle as flat regions, one colour each. Mapping each colour to its
nearest palette colour alone draws one surface in several colours: the shaded half of a red
panel goes brown, glare on it pink, a grey-blue window teal. A designer picks one colour per
material. On the regions (one per distinct styled colour, with their shared borders):

1. hue guard: a region with chroma ≥ ``neutral_chroma`` never takes a chromatic palette
   colour whose hue is more than ``max_hue_shift`` degrees from its own (a navy roof does not
   become purple); the palette's neutrals stay allowed;
2. chroma guard: a region with chroma < ``neutral_chroma`` takes the nearest of the palette's
   neutrals (palette colours under ``neutral_chroma``), unless a chromatic colour within
   ``hue_degrees`` of its hue is closer by more than ``chroma_guard_margin`` ΔE00;
3. materials: neighbouring regions with chroma ≥ ``paint_chroma`` whose hues are within
   ``hue_degrees`` (compared with the growing group's mean colour, so hues cannot chain
   round the wheel) are one surface under different light; the whole group takes the
   ΔE00-nearest palette colour of its paint tone: the mean of its most chromatic regions
   covering ``paint_share`` of its area (shade and glare both make paint less saturated, so
   the most saturated part is the paint as lit, without glare).

Everything else keeps the exact ΔE00-nearest palette colour. Styled images with more than
``max_colors`` distinct vehicle colours (phase II off, or a generative backend) are not flat
regions: they are mapped per pixel.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import delta_e_2000, pack_rgb, rgb_to_lab, unpack_rgb
from v2v.color.palette import Palette
from v2v.config import MaterialsConfig

FloatArray = NDArray[np.float64]


def _chroma(lab: FloatArray) -> FloatArray:
    return np.hypot(lab[..., 1], lab[..., 2])


def _hue_gap(first: FloatArray, second: FloatArray) -> FloatArray:
    """Absolute CIELAB hue-angle differences in degrees (0..180), broadcast."""
    angle = np.degrees(
        np.arctan2(first[..., 2], first[..., 1]) - np.arctan2(second[..., 2], second[..., 1])
    )
    return np.abs((angle + 180.0) % 360.0 - 180.0)


def _regions(
    pixels: NDArray[np.uint8], mask: NDArray[np.bool_], max_colors: int
) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int64]] | None:
    """Distinct vehicle colours (packed 0xRRGGBB, (k,)), their areas (k,) and shared borders
    (m, 3): first, second, length in 4-neighbour pixel pairs. None above ``max_colors``."""
    packed = pack_rgb(pixels)
    colors, inverse = np.unique(packed[mask], return_inverse=True)
    if len(colors) > max_colors:
        return None
    ids = np.full(mask.shape, -1, dtype=np.int64)
    ids[mask] = inverse.reshape(-1)
    keys = []
    for first, second in ((ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :])):
        touching = (first != second) & (first >= 0) & (second >= 0)
        low = np.minimum(first[touching], second[touching])
        high = np.maximum(first[touching], second[touching])
        keys.append(low * len(colors) + high)
    pairs, lengths = np.unique(np.concatenate(keys), return_counts=True)
    borders = np.stack([pairs // len(colors), pairs % len(colors), lengths], axis=1)
    areas = np.bincount(inverse.reshape(-1), minlength=len(colors)).astype(np.int64)
    return colors.astype(np.int32), areas, borders.astype(np.int64)


def _allowed(
    lab: FloatArray, palette_lab: FloatArray, config: MaterialsConfig
) -> NDArray[np.bool_]:
    """(k, P): which palette colours each region may take under the hue and chroma guards."""
    chroma, palette_chroma = _chroma(lab), _chroma(palette_lab)
    neutral = palette_chroma < config.neutral_chroma
    gap = _hue_gap(lab[:, None, :], palette_lab[None, :, :])
    allowed = neutral[None, :] | (gap <= config.max_hue_shift)
    if neutral.any():
        distance = delta_e_2000(lab[:, None, :], palette_lab[None, :, :])
        best_neutral = np.where(neutral[None, :], distance, np.inf).min(axis=1)
        clearly = (gap <= config.hue_degrees) & (
            distance + config.chroma_guard_margin < best_neutral[:, None]
        )
        low = chroma < config.neutral_chroma
        allowed[low] = neutral[None, :].repeat(int(low.sum()), axis=0) | clearly[low]
    allowed[~allowed.any(axis=1)] = True
    return allowed


def _materials(
    lab: FloatArray, areas: NDArray[np.int64], borders: NDArray[np.int64], config: MaterialsConfig
) -> NDArray[np.int64]:
    """Group id per region (k,): neighbouring paint regions of one hue share a group."""
    count = len(lab)
    parent = np.arange(count)
    total = areas.astype(np.float64).copy()
    summed = lab * total[:, None]
    paint = _chroma(lab) >= config.paint_chroma

    def find(region: int) -> int:
        while parent[region] != region:
            parent[region] = parent[parent[region]]
            region = int(parent[region])
        return region

    for first, second, _ in borders[np.argsort(-borders[:, 2], kind="stable")].tolist():
        if not (paint[first] and paint[second]):
            continue
        a, b = find(first), find(second)
        if a == b:
            continue
        mean_a, mean_b = summed[a] / total[a], summed[b] / total[b]
        if float(_hue_gap(mean_a, mean_b)) > config.hue_degrees:
            continue
        parent[b] = a
        total[a] += total[b]
        summed[a] += summed[b]
    return np.array([find(region) for region in range(count)], dtype=np.int64)


def paint_tone(lab: FloatArray, areas: NDArray[np.int64], share: float) -> FloatArray:
    """The colour (3,) a material is painted: the area-weighted mean of its most chromatic
    regions that together cover ``share`` of its area. Shade and glare both lower the chroma
    of paint; its fully lit, unglared tone is the most saturated one."""
    order = np.argsort(-_chroma(lab), kind="stable")
    covered = np.cumsum(areas[order]) / float(areas.sum())
    count = int(np.searchsorted(covered, share)) + 1
    chosen = order[:count]
    weights = areas[chosen].astype(np.float64)
    tone: FloatArray = (lab[chosen] * weights[:, None]).sum(axis=0) / weights.sum()
    return tone


def choose_colors(
    lab: FloatArray,
    areas: NDArray[np.int64],
    borders: NDArray[np.int64],
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> NDArray[np.int64]:
    """Palette index per region (k,) from region colours ``lab`` (k, 3) CIELAB, ``areas``
    (k,) pixels and ``borders`` (m, 3) [first, second, length]; see the module docstring."""
    allowed = _allowed(lab, palette_lab, config)
    distance = delta_e_2000(lab[:, None, :], palette_lab[None, :, :])
    choice = np.argmin(np.where(allowed, distance, np.inf), axis=1)
    group = _materials(lab, areas, borders, config)
    for root in np.unique(group):
        members = np.flatnonzero(group == root)
        if len(members) < 2:
            continue
        usable = allowed[members].all(axis=0)
        if not usable.any():
            usable = allowed[members].any(axis=0)
        tone = paint_tone(lab[members], areas[members], config.paint_share)
        nearest = delta_e_2000(tone[None, :], palette_lab)
        choice[members] = int(np.argmin(np.where(usable, nearest, np.inf)))
    return choice


def material_table(
    pixels: NDArray[np.uint8],
    mask: NDArray[np.bool_],
    palette: Palette,
    config: MaterialsConfig,
) -> tuple[NDArray[np.int32], NDArray[np.int16]] | None:
    """The palette index chosen for each distinct vehicle colour of the styled ``pixels``
    (RGB uint8 (H, W, 3)) under ``mask`` (bool (H, W)): (packed colours (k,), indices (k,)),
    or None when the image has more than ``config.max_colors`` distinct vehicle colours."""
    found = _regions(pixels, mask, config.max_colors)
    if found is None:
        return None
    colors, areas, borders = found
    lab = rgb_to_lab(unpack_rgb(colors)).astype(np.float64)
    choice = choose_colors(lab, areas, borders, palette.lab, config)
    return colors, choice.astype(np.int16)


def apply_table(
    labels: NDArray[np.int16],
    pixels: NDArray[np.uint8],
    table: tuple[NDArray[np.int32], NDArray[np.int16]],
) -> NDArray[np.int16]:
    """``labels`` (H, W) with every vehicle pixel whose colour is in ``table`` set to that
    colour's palette index (colours not in it, e.g. blends made by upscaling, keep theirs)."""
    colors, indices = table
    packed = pack_rgb(pixels)
    position = np.clip(np.searchsorted(colors, packed), 0, len(colors) - 1)
    known = (colors[position] == packed) & (labels >= 0)
    out = labels.copy()
    out[known] = indices[position[known]]
    return out
