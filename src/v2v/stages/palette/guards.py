"""Which palette colours a region or a material may take (``phase3.materials``).

- hue guard: a tinted region never takes a chromatic colour more than ``max_hue_shift`` degrees
  from its hue; the neutrals stay allowed, except for a vivid material (``keep_hue_chroma``)
  when the palette has a colour of its hue;
- chroma guard: a region under ``neutral_chroma`` takes a neutral unless a chromatic colour of
  its hue is clearly (``chroma_guard_margin`` ΔE00) closer;
- chroma ratio (``max_chroma_ratio``): a pale surface (chroma under ``keep_hue_chroma``) never
  takes a chromatic colour more than that many times as colourful as itself, nor, when the
  colour of its hue is that vivid, one more than ``hue_degrees`` off its hue: beige sails are
  not drawn in a vivid orange of their hue, they stay in the neutrals (or a tan, where the
  palette has one);
- hue rescue (``hue_rescue_degrees``): a clearly tinted material (chroma at least
  ``hue_rescue_chroma``) that the guards above leave only neutrals takes the ΔE00-nearest
  chromatic colour within that many degrees of its hue (and within the chroma ratio): a
  light-blue car is not drawn grey because the palette's blues lie between 45° and 60° away;
- dark paint keeps its hue (``dark_paint_delta_e``): a material whose lit tone is dark paint
  and whose nearest allowed colour is a neutral takes a chromatic colour within
  ``hue_degrees`` of its hue when it is at most that much (ΔE00) farther: a maroon freight car
  composited darker is not drawn black beside the same car drawn brown on other backgrounds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from v2v.color.ciede2000 import delta_e_2000
from v2v.color.lch import chroma_of, hue_gap
from v2v.config import MaterialsConfig

FloatArray = NDArray[np.float64]
#: The chroma ratio holds for surfaces at least this light (L*): pale ones.
PALE_LIGHTNESS = 50.0


def not_too_vivid(
    lab: FloatArray, palette_lab: FloatArray, config: MaterialsConfig
) -> NDArray[np.bool_]:
    """(k, P): the chroma ratio. True where the palette colour is neutral, the colour is not
    pale (chroma ≥ ``keep_hue_chroma`` or L* under PALE_LIGHTNESS: dark paint such as a
    maroon wagon has little chroma at any saturation) or the palette colour's chroma is at
    most ``max_chroma_ratio`` times the colour's and, when the chromatic colour nearest its
    hue (within ``max_hue_shift``) is too vivid, within ``hue_degrees`` of its hue (a pale
    green is not drawn gold or yellow instead of its too vivid green) (0 = off)."""
    chroma, palette_chroma = chroma_of(lab), chroma_of(palette_lab)
    fits = np.ones((len(lab), len(palette_lab)), dtype=bool)
    if config.max_chroma_ratio <= 0:
        return fits
    pale = (chroma < config.keep_hue_chroma) & (lab[:, 0] >= PALE_LIGHTNESS)
    neutral = palette_chroma < config.neutral_chroma
    too_vivid = ~neutral[None, :] & (
        palette_chroma[None, :] > config.max_chroma_ratio * chroma[:, None]
    )
    gap = hue_gap(lab[:, None, :], palette_lab[None, :, :])
    # when the colour of its hue is too vivid, none far from its hue: green does not go yellow
    nearest = np.argmin(np.where(neutral[None, :], np.inf, gap), axis=1)
    rows = np.arange(len(lab))
    blocked = too_vivid[rows, nearest] & (gap[rows, nearest] <= config.max_hue_shift)
    ok = ~too_vivid & (neutral[None, :] | ~blocked[:, None] | (gap <= config.hue_degrees))
    fits[pale] = ok[pale]
    return fits


def allowed_colors(
    lab: FloatArray, palette_lab: FloatArray, config: MaterialsConfig, keep_hue: bool
) -> NDArray[np.bool_]:
    """(k, P): which palette colours each region may take under the hue and chroma guards and
    (without ``keep_hue``, for lone regions) the chroma ratio (see the module docstring); a
    region left none may take any."""
    chroma, palette_chroma = chroma_of(lab), chroma_of(palette_lab)
    neutral = palette_chroma < config.neutral_chroma
    gap = hue_gap(lab[:, None, :], palette_lab[None, :, :])
    hue_fits = ~neutral[None, :] & (gap <= config.max_hue_shift)
    allowed = neutral[None, :] | hue_fits
    vivid = keep_hue & (chroma >= config.keep_hue_chroma) & hue_fits.any(axis=1)
    allowed[vivid] = hue_fits[vivid]
    if neutral.any():
        distance = delta_e_2000(lab[:, None, :], palette_lab[None, :, :])
        best_neutral = np.where(neutral[None, :], distance, np.inf).min(axis=1)
        clearly = (gap <= config.hue_degrees) & (
            distance + config.chroma_guard_margin < best_neutral[:, None]
        )
        low = chroma < config.neutral_chroma
        allowed[low] = neutral[None, :].repeat(int(low.sum()), axis=0) | clearly[low]
    if not keep_hue:  # a material's members are judged by its lit tone (choose_colors)
        ratio = not_too_vivid(lab, palette_lab, config)
        keeps = (allowed & ratio).any(axis=1)
        allowed[keeps] &= ratio[keeps]
    allowed[~allowed.any(axis=1)] = True
    return allowed


def rescue_hue(
    tone: FloatArray, usable: NDArray[np.bool_], palette_lab: FloatArray, config: MaterialsConfig
) -> NDArray[np.bool_]:
    """``usable`` (P,) for a material of lit ``tone`` (3,), with the hue rescue applied: when it
    holds only neutrals and the tone's chroma is at least ``hue_rescue_chroma``, the chromatic
    colours within ``hue_rescue_degrees`` of its hue and the chroma ratio (0 = off)."""
    chromatic = chroma_of(palette_lab) >= config.neutral_chroma
    if config.hue_rescue_degrees <= 0 or (usable & chromatic).any():
        return usable
    if float(chroma_of(tone)) < config.hue_rescue_chroma:
        return usable
    near = chromatic & (hue_gap(palette_lab, tone[None, :]) <= config.hue_rescue_degrees)
    near &= not_too_vivid(tone[None, :], palette_lab, config)[0]
    return near if near.any() else usable


def keep_dark_hue(
    tone: FloatArray,
    base: int,
    usable: NDArray[np.bool_],
    nearest: FloatArray,
    palette_lab: FloatArray,
    config: MaterialsConfig,
) -> int:
    """``base``, or, when it is a neutral and the material's lit ``tone`` (3,) is dark paint,
    the ΔE00-``nearest`` ``usable`` chromatic colour within ``hue_degrees`` of the tone's hue
    and at most ``dark_paint_delta_e`` farther than ``base`` (0 = off). Darkness alone must not
    take a paint's hue away (black is only nearer in lightness)."""
    chroma = chroma_of(palette_lab)
    if config.dark_paint_delta_e <= 0 or chroma[base] >= config.neutral_chroma:
        return base
    near = usable & (chroma >= config.neutral_chroma)
    near &= hue_gap(palette_lab, tone[None, :]) <= config.hue_degrees
    near &= nearest <= nearest[base] + config.dark_paint_delta_e
    return int(np.argmin(np.where(near, nearest, np.inf))) if near.any() else base
