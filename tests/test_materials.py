"""Phase III draws one palette colour per material: drawn flat images that show each defect of
per-pixel mapping (glare in another colour, shade in another colour, greys drifting to hues)
and the fix (``phase3.materials``)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import PalettedImage, StyledImage
from v2v.color.palette import Palette
from v2v.config import MaterialsConfig, Phase3Config, UpscaleConfig
from v2v.context import RunContext
from v2v.stages.palette import map_to_palette

Color = tuple[int, int, int]


def flat(size: tuple[int, int], base: Color) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A (height, width) flat image of ``base`` and an all-vehicle mask."""
    pixels = np.zeros((*size, 3), dtype=np.uint8)
    pixels[:] = base
    return pixels, np.ones(size, dtype=bool)


def mapped(
    pixels: NDArray[np.uint8], mask: NDArray[np.bool_], palette: str, **materials: Any
) -> PalettedImage:
    styled = StyledImage(pixels, mask, np.zeros(mask.shape, dtype=np.uint8))
    config = Phase3Config(materials=MaterialsConfig(**materials), remove_specks=False)
    return map_to_palette(styled, Palette.load(palette), config, RunContext())


def names(result: PalettedImage) -> set[str]:
    return {entry["name"] for entry in result.notes["colors_used"]}


def red_panel_with_glare() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A red panel (200, 30, 30) with a lighter, paler band of glare (240, 150, 150) across it."""
    pixels, mask = flat((120, 300), (200, 30, 30))
    cv2.ellipse(pixels, (150, 50), (90, 18), -8, 0, 360, (240, 150, 150), thickness=-1)
    return pixels, mask


def test_glare_on_red_paint_stays_red() -> None:
    pixels, mask = red_panel_with_glare()
    per_pixel = mapped(pixels, mask, "primary-15", enabled=False)
    assert names(per_pixel) == {"Brown", "Pink"}  # the defect: a red panel in brown and pink
    result = mapped(pixels, mask, "primary-15")
    assert len(names(result)) == 1
    assert names(result) <= {"Red", "Brown"}  # one red-family colour, no pink patch


def test_glare_on_red_paint_stays_red_with_the_designer_palette() -> None:
    pixels, mask = red_panel_with_glare()
    assert names(mapped(pixels, mask, "designer", enabled=False)) == {"Signal red", "Orange"}
    assert names(mapped(pixels, mask, "designer")) == {"Signal red"}


def test_a_yellow_stripe_half_in_shade_is_one_colour() -> None:
    pixels, mask = flat((60, 400), (230, 200, 40))
    pixels[:, 220:] = (140, 110, 20)  # the same stripe in the shade of a mirror or a bus stop
    per_pixel = mapped(pixels, mask, "primary-15", enabled=False)
    assert names(per_pixel) == {"Gold", "Gray"}  # the defect: the shaded half turns grey
    result = mapped(pixels, mask, "primary-15")
    assert len(names(result)) == 1
    assert names(result) <= {"Gold", "Yellow"}


def test_a_green_panel_shaded_to_dark_green_is_one_colour() -> None:
    pixels, mask = flat((100, 300), (60, 140, 60))
    pixels[:, 200:] = (30, 80, 35)
    assert names(mapped(pixels, mask, "designer")) == {"Green"}


def test_a_silver_car_with_blue_grey_glass_stays_in_the_neutrals() -> None:
    # silver body, a dark blue-grey window and a faintly warm highlight: all chroma under 10
    pixels, mask = flat((120, 300), (150, 152, 155))
    cv2.rectangle(pixels, (60, 15), (240, 60), (56, 72, 80), thickness=-1)
    cv2.rectangle(pixels, (20, 80), (280, 100), (216, 200, 208), thickness=-1)
    per_pixel = mapped(pixels, mask, "primary-15", enabled=False)
    assert {"Blue", "Pink"} <= names(per_pixel)  # the defect: greys drawn as hues
    assert names(mapped(pixels, mask, "primary-15")) <= {"Black", "White", "Gray"}


def test_the_chroma_guard_lets_a_tinted_surface_keep_its_hue() -> None:
    pixels, mask = flat((80, 200), (70, 110, 112))  # chroma about 14: a tinted surface
    assert names(mapped(pixels, mask, "primary-15")) == {"Teal"}
    pixels[:] = (96, 112, 112)  # chroma under 10: teal is not clearly closer than grey
    assert names(mapped(pixels, mask, "primary-15")) == {"Gray"}
    # a palette without neutrals still maps every colour
    result = mapped(pixels, mask, "primary-15", neutral_chroma=0.0)
    assert len(names(result)) == 1


def test_one_paint_split_by_chrome_is_one_colour_and_takes_its_lit_tone() -> None:
    # a fire truck: a sunlit red cab and a red body in shade, a grey locker between them
    pixels, mask = flat((100, 400), (225, 35, 35))
    pixels[:, 240:] = (165, 25, 25)
    pixels[:, 160:240] = (150, 152, 155)
    per_pixel = mapped(pixels, mask, "primary-15", enabled=False)
    assert names(per_pixel) == {"Red", "Brown", "Gray"}  # the defect: one paint, two colours
    assert names(mapped(pixels, mask, "primary-15")) == {"Red", "Gray"}
    assert names(mapped(pixels, mask, "primary-15", same_paint_delta_e=0.0)) == {
        "Red",
        "Brown",
        "Gray",
    }


def test_a_dark_frame_on_a_light_ground_of_one_hue_stays_two_materials() -> None:
    # a dark blue bicycle frame against light blue playground paint: one hue, but the light
    # one is neither glare (it is larger and not washed out towards white) nor the frame lit
    pixels, mask = flat((120, 300), (130, 150, 200))
    cv2.line(pixels, (20, 100), (280, 20), (40, 60, 110), thickness=14)
    # the frame (L* 26) is nearer the designer palette's Blue (L* 34) than its Navy shade
    # (L* 16) in lightness: drawn Blue (``lit_of_pair``) alone as with a shade band along it
    assert names(mapped(pixels, mask, "designer")) == {"Blue", "Sky blue"}
    cv2.line(pixels, (20, 110), (280, 30), (28, 42, 77), thickness=6)
    assert names(mapped(pixels, mask, "designer")) == {"Blue", "Sky blue"}


def test_separate_parts_of_different_hue_keep_their_own_colours() -> None:
    pixels, mask = flat((100, 300), (200, 30, 30))
    pixels[:, 150:] = (230, 200, 40)  # a red body beside a yellow one: two materials
    assert names(mapped(pixels, mask, "designer")) == {"Signal red", "Yellow"}


def test_materials_switched_off_maps_each_pixel_to_its_nearest_colour() -> None:
    pixels, mask = red_panel_with_glare()
    result = mapped(pixels, mask, "primary-15", enabled=False)
    assert result.notes["materials"] is None
    assert mapped(pixels, mask, "primary-15").notes["materials"] == 1


def test_an_unflattened_photo_is_mapped_per_pixel() -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (80, 80, 3), dtype=np.uint8)
    mask = np.ones((80, 80), dtype=bool)
    result = mapped(pixels, mask, "primary-15", max_colors=1000)
    assert result.notes["materials"] is None
    assert np.array_equal(result.labels, mapped(pixels, mask, "primary-15", enabled=False).labels)


def chrome_grille() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A red body (240 × 400) with a grille of 6 × 10 small chrome bars in three greys."""
    pixels, mask = flat((240, 400), (200, 30, 30))
    greys = ((60, 60, 62), (128, 128, 130), (235, 235, 238))
    for row in range(6):
        for col in range(10):
            top, left = 60 + 20 * row, 100 + 20 * col
            grey = greys[(row + col) % 3 if col % 4 else (row * 2) % 3]
            pixels[top : top + 20, left : left + 20] = grey
    return pixels, mask


def test_a_chrome_grille_is_two_greys_not_a_mosaic() -> None:
    pixels, mask = chrome_grille()
    per_pixel = mapped(pixels, mask, "primary-15", enabled=False)
    assert {"Black", "Gray", "White"} <= names(per_pixel)  # the defect: a three-grey mosaic
    result = mapped(pixels, mask, "primary-15")
    assert len(names(result) - {"Brown", "Red"}) == 2
    assert len(names(mapped(pixels, mask, "primary-15", mosaic_colors=0)) - {"Brown", "Red"}) == 3


def test_materials_hold_after_upscaling() -> None:
    pixels, mask = red_panel_with_glare()
    styled = StyledImage(pixels, mask, np.zeros(mask.shape, dtype=np.uint8))
    upscale = UpscaleConfig(enabled=True, factor=2, method="lanczos")
    config = Phase3Config(upscale=upscale, remove_specks=False)
    result = map_to_palette(styled, Palette.load("designer"), config, RunContext())
    shares = {entry["name"]: entry["share"] for entry in result.notes["colors_used"]}
    # only colours blended at the glare's outline by upscaling are mapped per pixel
    assert shares["Signal red"] > 0.95
    per_pixel = map_to_palette(
        styled,
        Palette.load("designer"),
        config.model_copy(update={"materials": MaterialsConfig(enabled=False)}),
        RunContext(),
    )
    assert {entry["name"]: entry["share"] for entry in per_pixel.notes["colors_used"]}[
        "Orange"
    ] > 0.1


def test_a_shadow_colour_is_used_only_when_asked_and_the_palette_has_one() -> None:
    pixels, mask = flat((100, 300), (225, 35, 35))
    pixels[:, 150:] = (120, 20, 25)  # the same red in deep shade
    assert names(mapped(pixels, mask, "designer")) == {"Signal red"}
    shaded = mapped(pixels, mask, "designer", shadow_color=True)
    assert names(shaded) == {"Signal red", "Deep red"}
    assert palette_name_at(shaded, 50, 200) == "Deep red"
    yellow, mask = flat((100, 300), (240, 200, 30))
    yellow[:, 150:] = (150, 120, 15)  # the designer palette has no darker yellow
    assert names(mapped(yellow, mask, "designer", shadow_color=True)) == {"Yellow"}


def palette_name_at(result: PalettedImage, y: int, x: int) -> str:
    names = result.palette.names or result.palette.colors
    return str(names[int(result.labels[y, x])])


def test_a_vivid_pink_is_not_drawn_grey_when_the_palette_lacks_pink() -> None:
    # a pink tricycle frame, lit and in shade; the designer palette has no pink, and its
    # Signal red is beyond the hue guard for the lit pink
    pixels, mask = flat((100, 300), (200, 70, 150))
    pixels[:, 180:] = (140, 45, 105)
    result = names(mapped(pixels, mask, "designer"))
    assert len(result) == 1 and result <= {"Signal red", "Deep red"}
    greyed = names(mapped(pixels, mask, "designer", keep_hue_chroma=200.0))
    assert greyed <= {"Slate (shadows)", "Silver (chrome, silver paint)", "Charcoal (glass, trim)"}


MUTED_15 = (
    "#1A1A1A,#4D4D4D,#9A9A9A,#D9D9D9,#FFFFFF,#B22222,#E25822,#F2C14E,"
    "#3A7D44,#7FB069,#2E5EAA,#8EC5FC,#1B2A49,#6B4226,#C9A66B"
)


def test_a_red_bus_stays_red_when_an_orange_is_nearer_in_lightness() -> None:
    # a London bus red, lit and in shade, under a muted palette whose red (#B22222) is darker
    # than the paint and whose flame orange (#E25822) is as light as it
    pixels, mask = flat((100, 300), (228, 64, 54))
    pixels[:, 200:] = (160, 40, 36)
    by_lightness = mapped(pixels, mask, MUTED_15, hue_tolerance=0.0)
    assert names(by_lightness) == {"#E25822"}  # the defect: the whole bus drawn orange
    assert names(mapped(pixels, mask, MUTED_15)) == {"#B22222"}


def test_gold_paint_is_drawn_gold_not_orange() -> None:
    pixels, mask = flat((100, 300), (179, 156, 91))  # brass-gold spokes in daylight
    pixels[:, 200:] = (129, 109, 62)
    assert names(mapped(pixels, mask, "primary-15", hue_tolerance=0.0)) == {"Orange"}
    assert names(mapped(pixels, mask, "primary-15")) <= {"Gold", "Yellow"}


def test_a_dark_navy_frame_is_not_drawn_grey_for_its_hue() -> None:
    pixels, mask = flat((100, 300), (40, 60, 120))
    pixels[:, 200:] = (25, 40, 85)
    assert names(mapped(pixels, mask, "primary-15")) == {"Blue"}


def test_a_teal_side_in_sky_lit_shade_stays_teal_not_black() -> None:
    # a teal pickup whose rear, in shadow under an open sky, is darker and bluer (30° off)
    pixels, mask = flat((100, 300), (13, 112, 127))
    pixels[:, 200:] = (2, 66, 98)
    assert names(mapped(pixels, mask, "primary-15", shade_hue_degrees=0.0)) == {"Teal", "Black"}
    assert names(mapped(pixels, mask, "primary-15")) == {"Teal"}


def test_beige_sails_stay_tan_not_the_dark_brown_of_their_hue() -> None:
    # tan (#C9A66B) is 20° off the sails' hue but near them; the brown (#6B4226) of their hue
    # is far darker: a truer hue must not cost that much
    pixels, mask = flat((100, 300), (214, 170, 140))
    pixels[:, 200:] = (160, 124, 100)
    assert names(mapped(pixels, mask, MUTED_15)) == {"#C9A66B"}


NEUTRALS_15 = {"Black", "White", "Gray"}


def test_pale_beige_sails_are_not_drawn_a_vivid_orange() -> None:
    # the default palette's orange is of the sails' hue but three times as colourful
    pixels, mask = flat((100, 300), (214, 170, 140))
    pixels[:, 200:] = (160, 124, 100)
    assert names(mapped(pixels, mask, "default", max_chroma_ratio=0.0)) == {"Orange"}
    assert names(mapped(pixels, mask, "default")) <= NEUTRALS_15


def test_a_pale_green_whose_green_is_too_vivid_is_not_drawn_gold() -> None:
    # a faded green logo, lit and in shade: the palette's green is over three times as
    # colourful, its gold (40° away) is not; the chroma ratio must not push it to gold
    pixels, mask = flat((100, 300), (107, 141, 85))
    pixels[:, 200:] = (86, 115, 67)
    assert names(mapped(pixels, mask, "default")) <= NEUTRALS_15


def test_a_light_blue_car_is_not_drawn_grey() -> None:
    # the default palette's blues lie 50-60° from a light sky blue: past the hue guard
    pixels, mask = flat((100, 300), (80, 156, 207))
    pixels[:, 200:] = (65, 131, 178)
    assert names(mapped(pixels, mask, "default", hue_rescue_degrees=0.0)) == {"Gray"}
    result = names(mapped(pixels, mask, "default"))
    assert len(result) == 1 and result <= {"Teal", "Cyan"}


def test_a_maroon_wagon_in_shade_is_one_colour() -> None:
    # maroon paint, lit and (most of it) in shade: the shade is under paint chroma but as
    # saturated as the lit side
    pixels, mask = flat((100, 300), (57, 31, 32))
    pixels[:, 240:] = (93, 60, 62)
    assert names(mapped(pixels, mask, "default", dark_paint_saturation=0.0)) == {
        "Black",
        "Brown",
    }
    assert names(mapped(pixels, mask, "default")) == {"Brown"}


def test_sand_camouflage_is_drawn_gold_not_the_orange_of_its_lightness() -> None:
    # a sand tank (hue 85°), lit and in shade: the default palette's Orange (12° off) is only
    # nearer in lightness; its Gold is 6° off the sand's hue
    pixels, mask = flat((100, 300), (177, 145, 73))
    pixels[:, 200:] = (119, 92, 37)
    assert names(mapped(pixels, mask, "default", hue_tolerance=0.0)) == {"Orange"}
    assert names(mapped(pixels, mask, "default")) == {"Gold"}


def test_ochre_camouflage_is_not_drawn_grey() -> None:
    # an ochre tank (chroma 43, hue 86°) under an overcast sky, lit and in shade: grey is
    # the nearest palette colour by ΔE00 (22 against Gold's 31), but the paint is clearly
    # coloured and the same tank on sunnier backgrounds is drawn gold
    pixels, mask = flat((100, 300), (145, 117, 44))
    pixels[:, 220:] = (113, 87, 35)
    assert names(mapped(pixels, mask, "default", paint_hue_chroma=0.0)) == {"Gray"}
    assert names(mapped(pixels, mask, "default")) == {"Gold"}


def test_one_flat_patch_of_ochre_paint_is_not_drawn_grey() -> None:
    # a lone flat region of the same paint (no neighbour to form a material with)
    pixels, mask = flat((100, 300), (145, 117, 44))
    assert names(mapped(pixels, mask, "default", paint_hue_chroma=0.0)) == {"Gray"}
    assert names(mapped(pixels, mask, "default")) == {"Gold"}


def test_a_small_grass_patch_seen_through_a_grey_body_stays_grey() -> None:
    # grass (chroma 45) showing through a gap in a grey part, under 1 % of the vehicle: the
    # clear-paint rule needs a material or a lone region of LONE_PAINT_SHARE
    pixels, mask = flat((100, 300), (128, 128, 130))
    pixels[40:50, 100:110] = (90, 145, 57)
    assert names(mapped(pixels, mask, "default")) <= NEUTRALS_15


def test_a_lone_violet_patch_keeps_its_purple() -> None:
    # already chromatic: the clear-paint rule (and its truer-hue step) leaves it alone
    pixels, mask = flat((100, 300), (97, 51, 131))
    assert names(mapped(pixels, mask, "default")) == {"Purple"}


def test_a_dark_maroon_car_is_drawn_brown_not_black() -> None:
    # a maroon freight car composited dark (L 15), with a paler lit strip along its top: black
    # is nearer in lightness, but the same car on a brighter background is drawn brown
    pixels, mask = flat((100, 300), (58, 31, 33))
    pixels[:30, :] = (146, 102, 107)
    assert names(mapped(pixels, mask, "default", dark_paint_delta_e=0.0)) >= {"Black"}
    assert "Black" not in names(mapped(pixels, mask, "default"))
    assert names(mapped(pixels, mask, "default")) <= {"Brown", "Red"}


def test_a_black_car_stays_black() -> None:
    # black paint with a faint warm cast and a grey reflection stays in the neutrals
    pixels, mask = flat((100, 300), (30, 27, 26))
    pixels[:30, :] = (120, 118, 118)
    assert names(mapped(pixels, mask, "default")) <= NEUTRALS_15


def test_a_shaded_red_keeps_signal_red_not_its_deep_red_shade() -> None:
    # a raspberry red (hue 16°), lit and in shade: Signal red is 14° off its hue, Deep red 9°,
    # but Deep red is Signal red's shade (5° from it), not a truer hue
    pixels, mask = flat((100, 300), (194, 45, 79))
    pixels[:, 200:] = (132, 32, 55)
    assert names(mapped(pixels, mask, "designer")) == {"Signal red"}
