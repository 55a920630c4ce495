"""Metal drawn as a designer would: a gold part in one tone plus at most one shade, not a
patchwork of gold, grey reflections and white glare (``phase3.materials.metal_mosaics``), and a
gold part whose shade is more saturated than its lit side keeps its gold
(``phase2.flatten.lit_paint``). Drawn images show each defect and the fix."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage, PalettedImage, StyledImage
from v2v.color.palette import Palette
from v2v.config import MaterialsConfig, Phase3Config, load_config
from v2v.context import RunContext
from v2v.stages.palette import map_to_palette
from v2v.stages.stylize.classical import ClassicalStylizer


def _rgb(lightness: float, a: float, b: float) -> tuple[int, int, int]:
    lab = np.array([[[lightness, a, b]]], np.float32)
    red, green, blue = (cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)[0, 0] * 255.0 + 0.5).astype(int)
    return int(red), int(green), int(blue)


BLUE = (30, 60, 170)
GOLD = _rgb(66.0, 0.0, 37.0)  # a lowrider's lit gold (chroma 37: metal, not paint)
GREY, WHITE, GAP = (128, 128, 128), (240, 240, 238), (25, 25, 25)


def gold_ornament() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A blue body (240 × 400, flat as phase II leaves it) with a gold ornament of 5 × 10 small
    pieces: gold on a checkerboard (each piece its own region), between them grey reflections,
    white glare and dark gaps, as phase II leaves a lowrider's gold fork."""
    pixels = np.zeros((240, 400, 3), np.uint8)
    pixels[:] = BLUE
    between = (GREY, WHITE, GREY, GAP)
    for row in range(5):
        for col in range(10):
            top, left = 60 + 20 * row, 100 + 20 * col
            odd = (row + col) % 2
            colour = between[(row * 5 + col // 2) % 4] if odd else GOLD
            pixels[top : top + 20, left : left + 20] = colour
    return pixels, np.ones((240, 400), bool)


def mapped(pixels: NDArray[np.uint8], mask: NDArray[np.bool_], **materials: Any) -> PalettedImage:
    styled = StyledImage(pixels, mask, np.zeros(mask.shape, dtype=np.uint8))
    config = Phase3Config(materials=MaterialsConfig(**materials), remove_specks=False)
    return map_to_palette(styled, Palette.load("default"), config, RunContext())


def ornament_names(result: PalettedImage) -> set[str]:
    used = np.unique(result.labels[60:160, 100:300])
    return {result.palette.names[int(index)] for index in used}


def test_a_gold_ornament_is_gold_with_one_shade_not_a_patchwork() -> None:
    pixels, mask = gold_ornament()
    old = ornament_names(mapped(pixels, mask, metal_mosaics=False))
    assert {"Gold", "Gray", "White"} <= old  # the defect: gold, grey reflections, white glare
    assert ornament_names(mapped(pixels, mask)) == {"Gold", "Black"}  # gold and its dark gaps


def test_vivid_yellow_paint_is_no_metal() -> None:
    pixels, mask = gold_ornament()
    pixels[np.all(pixels == GOLD, axis=-1)] = (255, 225, 0)  # chroma 89: paint
    # the grey, white and dark pieces between yellow ones are no connected mosaic: all stay
    assert {"Gray", "White", "Black"} <= ornament_names(mapped(pixels, mask))


Lab = tuple[float, float, float]


def gold_fender(
    seed: int = 0,
    lugs: tuple[int, ...] = (360, 420),
    shade: Lab = (49.3, 1.1, 28.7),
    lit: Lab = (60.4, 1.9, 33.0),
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A photo-like blue frame panel and a gold fender in shade (L* 49, the more saturated
    tone) with two lit gold lugs (L* 60) standing off it, each too small to be a tone of its
    own, as the all-sports-mural lowrider's rear fender."""
    rng = np.random.default_rng(seed)
    pixels = np.full((320, 500, 3), 205.0)
    mask = np.zeros((320, 500), bool)
    pixels[30:290, 20:320], mask[30:290, 20:320] = BLUE, True
    pixels[150:250, 340:460], mask[150:250, 340:460] = _rgb(*shade), True
    for left in lugs:
        pixels[80:150, left : left + 12] = _rgb(*lit)
        mask[80:150, left : left + 12] = True
    pixels += rng.normal(0.0, 3.0, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8), mask


def drawn_fender(lit_paint: bool) -> set[str]:
    pixels, mask = gold_fender()
    config = load_config(overrides={"phase2.flatten.lit_paint": lit_paint})
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    styled = ClassicalStylizer(config.phase2).run(clean, RunContext())
    result = map_to_palette(styled, Palette.load("default"), config.phase3, RunContext())
    fender = result.labels[80:250, 340:460][mask[80:250, 340:460]]
    return {result.palette.names[int(index)] for index in np.unique(fender)}


def test_a_gold_fender_lit_paler_than_its_shade_stays_gold() -> None:
    assert drawn_fender(lit_paint=False) == {"Gray"}  # the defect: the lit gold was "glare"
    assert drawn_fender(lit_paint=True) == {"Gold"}


def styled_fender_colours(pixels: NDArray[np.uint8], mask: NDArray[np.bool_]) -> int:
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    styled = ClassicalStylizer(load_config().phase2).run(clean, RunContext())
    return len(np.unique(styled.pixels[80:250, 340:460][mask[80:250, 340:460]], axis=0))


def test_a_sliver_of_lit_paint_is_no_tone_of_its_own() -> None:
    # one lug: under a shading tone's area, folded into the paint as without lit_paint
    assert styled_fender_colours(*gold_fender(lugs=(400,))) == 1
    assert styled_fender_colours(*gold_fender()) == 2  # two lugs: a lit tone


def test_dark_paint_keeps_one_tone() -> None:
    # a maroon part (L* 26) with lit lugs: phase III's dark-paint rules keep its hue, and a lit
    # tone split a lowrider's navy seat into blue and black
    maroon = gold_fender(shade=(25.6, 25.0, 12.0), lit=(36.0, 35.0, 17.0))
    assert styled_fender_colours(*maroon) == 1
