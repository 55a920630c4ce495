"""Gold decided once per metal part (``phase3.materials.gold_parts``), gold in shade kept
gold by phase II (``phase2.flatten.gold_tints``) and yellow paint in shade no metal
(``phase3.materials.yellow_paint``). Drawn images show each defect and the fix."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage, PalettedImage, StyledImage
from v2v.color.ciede2000 import rgb_to_lab
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
LIT_GOLD = _rgb(66.0, 0.5, 35.0)  # a lowrider's gold wheel (chroma 35): drawn in a gold hue
DULL_GOLD = _rgb(46.8, 1.0, 26.6)  # the same gold in shade (chroma 27): nearest Gray
GREY, WHITE = (128, 128, 128), (238, 238, 236)
Lab = tuple[float, float, float]


def mapped(
    pixels: NDArray[np.uint8], mask: NDArray[np.bool_], palette: Any = "default", **materials: Any
) -> PalettedImage:
    styled = StyledImage(pixels, mask, np.zeros(mask.shape, dtype=np.uint8))
    config = Phase3Config(materials=MaterialsConfig(**materials), remove_specks=False)
    return map_to_palette(styled, Palette.load(palette), config, RunContext())


def names(result: PalettedImage, rows: slice, cols: slice) -> set[str]:
    palette = result.palette
    label = palette.names or palette.colors  # a hex list has no names
    return {label[int(i)] for i in np.unique(result.labels[rows, cols])}


def gold_bike() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A blue frame (flat, as phase II leaves it), a lit gold wheel, and a gold fork in shade
    beside it: dull gold bars (each its own region, chroma 27) between grey reflections and
    white glare, joined to the wheel by its grey and white rim, and a chrome crank arm
    (neutral, larger) touching the fork."""
    pixels = np.zeros((240, 400, 3), np.uint8)
    pixels[:] = BLUE
    pixels[40:200, 20:140] = LIT_GOLD  # the wheel
    for row in range(8):  # the fork: grey reflections on the wheel's rim, then gold bars
        top = 40 + 20 * row
        pixels[top : top + 20, 140:150] = (GREY, WHITE)[row % 2]
        pixels[top : top + 20, 150:170] = DULL_GOLD if row % 2 == 0 else GREY
        pixels[top : top + 20, 170:190] = WHITE if row % 2 == 0 else DULL_GOLD
    pixels[100:140, 190:270] = (150, 150, 152)  # the crank arm (chrome)
    return pixels, np.ones((240, 400), bool)


def test_gold_in_shade_beside_gold_is_gold_not_grey() -> None:
    pixels, mask = gold_bike()
    fork = (slice(40, 200), slice(150, 190))
    wheel = (slice(40, 200), slice(20, 140))
    before = mapped(pixels, mask, gold_parts=False)
    (gold,) = names(before, *wheel)  # the wheel's gold (the default palette's Orange or Gold)
    assert names(before, *fork) == {"Gray"}  # the defect: the shaded fork is grey
    after = mapped(pixels, mask)
    assert names(after, *wheel) == {gold}
    assert names(after, *fork) == {gold}  # the fork, its reflections and glare: the wheel's gold
    assert names(after, slice(105, 135), slice(200, 260)) == {"Gray"}  # chrome stays grey


def test_dark_gold_stays_the_shade() -> None:
    # dark brown (L* 31, chroma 13) beside sand gold: a tank's track, not gold in shade
    pixels, mask = gold_bike()
    pixels[np.all(pixels == DULL_GOLD, axis=-1)] = _rgb(31.0, 2.5, 12.7)
    result = mapped(pixels, mask)
    (gold,) = names(result, slice(40, 200), slice(20, 140))
    assert gold not in names(result, slice(40, 200), slice(150, 190))


def test_a_dull_gold_part_without_gold_stays_neutral() -> None:
    # no seed: the same pieces without the lit wheel (a cream or beige part) are not made gold
    pixels, mask = gold_bike()
    pixels[40:200, 20:140] = BLUE
    assert names(mapped(pixels, mask), slice(40, 200), slice(150, 190)) == {"Gray"}


#: A palette of greys, muted paints and a tan (benchmarks.bench_drawing's MUTED).
MUTED = [
    "#1A1A1A",
    "#4D4D4D",
    "#9A9A9A",
    "#D9D9D9",
    "#FFFFFF",
    "#B22222",
    "#E25822",
    "#F2C14E",
    "#3A7D44",
    "#7FB069",
    "#2E5EAA",
    "#8EC5FC",
    "#1B2A49",
    "#6B4226",
    "#C9A66B",
]


def test_a_cream_rail_is_no_gold_seed() -> None:
    # a tugboat's white deck (chroma 12) below a small cream rail (chroma 18) that the muted
    # palette draws tan: the rail is not clear gold, the deck stays white
    pixels = np.zeros((240, 400, 3), np.uint8)
    pixels[:] = (178, 34, 34)  # the red hull
    pixels[60:80, 100:300] = _rgb(84.1, 5.7, 17.1)  # the rail
    pixels[80:100, 100:300] = _rgb(95.0, 1.2, 12.3)  # the deck
    deck = (slice(82, 98), slice(100, 300))
    assert names(mapped(pixels, np.ones((240, 400), bool), MUTED), *deck) == {"#FFFFFF"}


def yellow_taxi() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A vivid yellow body (chroma 89) with a trim strip below it: mustard pieces (the paint
    in shade, chroma 40) between grey chrome and white glare pieces."""
    pixels = np.zeros((240, 400, 3), np.uint8)
    pixels[:] = (255, 215, 0)
    mustard = _rgb(60.0, 4.0, 40.0)
    for col in range(10):
        for row in range(2):
            left, top = 100 + 20 * col, 140 + 20 * row
            odd = (row + col) % 2
            pixels[top : top + 20, left : left + 20] = (
                (GREY, WHITE)[col // 2 % 2] if odd else mustard
            )
    return pixels, np.ones((240, 400), bool)


def test_yellow_paint_in_shade_is_no_gold_metal() -> None:
    pixels, mask = yellow_taxi()
    strip = (slice(140, 180), slice(100, 300))
    before = names(mapped(pixels, mask, yellow_paint=False), *strip)
    assert "Gray" not in before  # the defect: the trim's chrome took the mustard's colour
    assert "Gray" in names(mapped(pixels, mask), *strip)


FORK_IN_SHADE: Lab = (45.0, 0.5, 18.0)


def gold_fork_photo(
    seed: int = 0, bars: Lab = FORK_IN_SHADE, wheel: tuple[int, int, int] = LIT_GOLD
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A photo-like bike part: a blue frame panel, a lit gold wheel (chroma 35) and beside it a
    gold fork in shade (chroma 18: weakly tinted) in three bars between light grey reflections,
    outlined by greys more than by the wheel, as a lowrider's fork between its chrome glare."""
    rng = np.random.default_rng(seed)
    pixels = np.full((320, 520, 3), 205.0)
    mask = np.zeros((320, 520), bool)
    pixels[40:280, 20:200], mask[40:280, 20:200] = BLUE, True
    pixels[60:260, 200:330], mask[60:260, 200:330] = wheel, True  # the wheel
    mask[60:260, 330:480] = True
    pixels[60:260, 330:480] = (170, 170, 172)  # grey reflections around the fork
    for left in (345, 395, 445):
        pixels[90:230, left : left + 14] = _rgb(*bars)  # the fork's bars
    pixels[144:156, 330:470] = _rgb(*bars)  # the bar joining them to the wheel
    pixels += rng.normal(0.0, 3.0, pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8), mask


def fork_bars(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    bars = np.zeros_like(mask)
    for left in (345, 395, 445):
        bars[100:220, left + 3 : left + 11] = True
    return bars


SAND: Lab = (46.1, 4.4, 37.4)  # a tank's sand camouflage


def styled_fork(
    gold_tints: bool, bars: Lab = FORK_IN_SHADE, beside: Lab | None = None
) -> StyledImage:
    """The fork photo through phase II, its bars beside the gold wheel or ``beside``."""
    wheel = LIT_GOLD if beside is None else _rgb(*beside)
    pixels, mask = gold_fork_photo(bars=bars, wheel=wheel)
    config = load_config(overrides={"phase2.flatten.gold_tints": gold_tints})
    clean = CleanImage(pixels, mask, np.zeros_like(mask))
    return ClassicalStylizer(config.phase2).run(clean, RunContext())


def drawn_fork(gold_tints: bool) -> tuple[set[str], set[str]]:
    """The palette colours of the fork's bars and of the wheel."""
    styled = styled_fork(gold_tints)
    config = load_config().phase3
    result = map_to_palette(styled, Palette.load("default"), config, RunContext())
    bars = fork_bars(styled.mask)
    wheel = result.labels[80:240, 220:310]
    return (
        {result.palette.names[int(i)] for i in np.unique(result.labels[bars])},
        {result.palette.names[int(i)] for i in np.unique(wheel)},
    )


def test_gold_in_shade_among_chrome_glare_is_no_grey_chrome() -> None:
    fork, wheel = drawn_fork(gold_tints=False)
    assert fork == {"Gray"} and "Gray" not in wheel  # the defect: grey as if warm-lit chrome
    fork, wheel = drawn_fork(gold_tints=True)
    assert fork == wheel and "Gray" not in fork  # the wheel's gold


def test_a_brown_track_beside_sand_is_no_gold_in_shade() -> None:
    # a tank's brown track (L* 38, chroma 10) beside sand camouflage keeps 0.4 of its HSV
    # saturation, not gold in shade: made neutral as before (it became a grey streak)
    styled = styled_fork(gold_tints=True, bars=(38.4, 4.0, 9.3), beside=SAND)
    colours = rgb_to_lab(styled.pixels[fork_bars(styled.mask)].reshape(-1, 3))
    assert float(np.hypot(colours[:, 1], colours[:, 2]).max()) < 1.0
    shaded = styled_fork(gold_tints=True)  # the gold fork in shade keeps its tint
    colours = rgb_to_lab(shaded.pixels[fork_bars(shaded.mask)].reshape(-1, 3))
    assert float(np.hypot(colours[:, 1], colours[:, 2]).min()) > 8.0


def test_a_cream_body_in_shade_is_no_gold() -> None:
    # a cream rocket in warm light (chroma 26) is no clear gold: its shaded top (chroma 15)
    # among grey pieces is made neutral as before (the muted palette drew it tan and grey)
    styled = styled_fork(gold_tints=True, bars=(47.9, 0.7, 14.5), beside=(51.9, 4.9, 25.8))
    colours = rgb_to_lab(styled.pixels[fork_bars(styled.mask)].reshape(-1, 3))
    assert float(np.hypot(colours[:, 1], colours[:, 2]).max()) < 1.0


def test_a_cream_body_with_a_gold_stripe_stays_cream() -> None:
    # a cream body (L* 88, chroma 12.6) with a gold pinstripe (chroma 32): the body is larger
    # than the stripe and keeps a third of its saturation, no gold in shade (it was all Orange)
    pixels = np.zeros((240, 400, 3), np.uint8)
    pixels[:] = (40, 40, 42)
    pixels[40:200, 40:360] = _rgb(88.0, 1.5, 12.5)
    pixels[110:126, 40:360] = _rgb(62.0, 4.0, 32.0)
    mask = np.ones((240, 400), bool)
    body = (slice(45, 105), slice(50, 350))
    assert names(mapped(pixels, mask), *body) == names(
        mapped(pixels, mask, gold_parts=False), *body
    )
    assert names(mapped(pixels, mask), *body) == {"White"}
    assert names(mapped(pixels, mask, MUTED), *body) == {"#D9D9D9"}


def test_a_white_deck_beside_a_gold_rail_stays_white() -> None:
    # a large white deck (chroma 12) below a small clear gold rail (chroma 30): it was Orange
    # (tan with the muted palette), a colour the guards forbid it
    pixels = np.zeros((240, 400, 3), np.uint8)
    pixels[:] = (178, 34, 34)
    pixels[60:80, 100:300] = _rgb(70.0, 3.0, 30.0)
    pixels[80:160, 100:300] = _rgb(95.0, 1.2, 12.3)
    mask, deck = np.ones((240, 400), bool), (slice(82, 158), slice(100, 300))
    assert "White" not in names(mapped(pixels, mask), slice(62, 78), slice(100, 300))
    assert names(mapped(pixels, mask), *deck) == {"White"}
    assert names(mapped(pixels, mask, MUTED), *deck) == {"#FFFFFF"}


def test_an_amber_reflector_is_no_yellow_paint() -> None:
    # a 10 x 10 px amber reflector on the gold wheel is no painted surface: the fork stays gold
    pixels, mask = gold_bike()
    pixels[90:100, 60:70] = (255, 200, 0)
    fork = (slice(60, 200), slice(150, 190))
    (gold,) = names(mapped(pixels, mask), slice(110, 200), slice(20, 140))
    assert names(mapped(pixels, mask), *fork) == {gold}


def test_gold_in_shade_reaches_clear_gold_through_glare() -> None:
    # white glare (16 x 20 px, 0.3 % of the vehicle) between the wheel and the bar joining the
    # fork: phase II reaches the wheel through it as phase III does (the fork was made neutral
    # and drawn Gray)
    def drawn(gold_tints: bool) -> tuple[set[str], set[str]]:
        pixels, mask = gold_fork_photo()
        pixels[140:160, 330:346] = WHITE
        config = load_config(overrides={"phase2.flatten.gold_tints": gold_tints})
        clean = CleanImage(pixels, mask, np.zeros_like(mask))
        styled = ClassicalStylizer(config.phase2).run(clean, RunContext())
        result = map_to_palette(styled, Palette.load("default"), config.phase3, RunContext())
        label = result.palette.names
        bars = {label[int(i)] for i in np.unique(result.labels[fork_bars(styled.mask)])}
        return bars, {label[int(i)] for i in np.unique(result.labels[80:240, 220:310])}

    assert drawn(gold_tints=False)[0] == {"Gray"}
    fork, wheel = drawn(gold_tints=True)
    assert fork == wheel and "Gray" not in fork


def fork_chroma(bars: Lab, beside: Lab | None = None) -> float:
    """The largest CIELAB chroma phase II leaves in the fork's bars."""
    styled = styled_fork(gold_tints=True, bars=bars, beside=beside)
    colours = rgb_to_lab(styled.pixels[fork_bars(styled.mask)].reshape(-1, 3))
    return float(np.hypot(colours[:, 1], colours[:, 2]).max())


def test_only_a_gold_hued_group_is_gold_in_shade() -> None:
    # blue-grey bars (hue 236°, chroma 14) beside the gold wheel: warm-lit chrome's kin, made
    # neutral; the same chroma of a gold hue keeps its tint
    assert fork_chroma((45.0, -8.0, -12.0)) < 1.0
    assert fork_chroma((45.0, -3.0, 14.0)) > 8.0


def test_gold_in_shade_needs_clear_gold_of_a_gold_hue() -> None:
    # beside a clear copper-orange (hue 56°, chroma 36) the shaded bars are no gold: neutral;
    # beside clear gold of hue 62° they keep their tint
    assert fork_chroma(FORK_IN_SHADE, beside=(66.0, 20.0, 30.0)) < 1.0
    assert fork_chroma(FORK_IN_SHADE, beside=(66.0, 17.0, 32.0)) > 8.0


def test_pieces_of_one_styled_colour_are_one_part() -> None:
    # a bar of the fork's dull gold away from the bike (4000 px, more than the fork's 3200 px
    # of it): one styled colour takes one palette colour, so without the link its larger grey
    # region outvoted the fork's gold and the fork came out Gray and gold
    pixels, mask = gold_bike()
    pixels[210:230, 200:400] = DULL_GOLD
    result = mapped(pixels, mask)
    (gold,) = names(result, slice(40, 200), slice(20, 140))
    assert names(result, slice(40, 200), slice(150, 190)) == {gold}
    assert names(result, slice(210, 230), slice(200, 400)) == {gold}
