"""Phase III draws pale paint in its own colour, not its shadow's (``phase3.materials``):
drawn flat images of a light-pink tricycle frame whose shade is more saturated than its lit
paint, a shaded part apart from the frame, and a lit pink nearer a shade pair's dark colour
in ΔE00 only; each test shows the defect with its rule off and the fix with it on. Then the
limits of those rules, each a defect of their first version: a tan is no yellow's shade, a
pale band names no less saturated colour (pink on red), a part only darker than a paint is
another paint, and a part joined as shade names nothing."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tests.test_materials import MUTED_15, flat, mapped, names, palette_name_at


def light_pink_frame_with_deep_shade() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A light-pink tricycle frame (the colours phase II gave one in the devset): lit pink on
    most of it, then bands of shade, the deepest one more saturated than the lit pink."""
    pixels, mask = flat((120, 300), (207, 106, 187))
    pixels[:, 180:215] = (157, 64, 110)
    pixels[:, 215:240] = (150, 58, 100)
    pixels[:, 240:] = (161, 49, 112)
    return pixels, mask


def test_a_deep_shadow_does_not_turn_a_light_pink_frame_purple() -> None:
    pixels, mask = light_pink_frame_with_deep_shade()
    assert names(mapped(pixels, mask, "default", largest_is_lit=False)) == {"Purple"}
    assert names(mapped(pixels, mask, "default")) == {"Magenta"}


def test_a_palette_without_pink_keeps_the_light_pink_frame_red_not_blue() -> None:
    # the muted palette has no pink: the lit pink is nearest its blue, which is not the pink's
    # hue, so the frame keeps the red its saturated tone gives (the reverted rule drew it blue)
    pixels, mask = light_pink_frame_with_deep_shade()
    assert names(mapped(pixels, mask, MUTED_15, largest_is_lit=False)) == {"#B22222"}
    assert names(mapped(pixels, mask, MUTED_15)) == {"#B22222"}


def frame_and_shaded_mudguard() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """The light-pink frame lit and in shade (one surface), and apart from it behind a grey
    post a smaller mudguard wholly in shade (darker, as saturated): too far from the lit
    pink (ΔE00) to be joined as the same paint by ``same_paint_delta_e``."""
    pixels, mask = flat((120, 420), (128, 128, 128))
    pixels[:, :200] = (207, 106, 187)
    pixels[:, 200:300] = (157, 64, 110)
    pixels[:, 330:] = (145, 60, 118)
    return pixels, mask


def test_a_shaded_part_apart_from_its_frame_takes_the_frame_colour() -> None:
    pixels, mask = frame_and_shaded_mudguard()
    off = names(mapped(pixels, mask, "default", same_paint_shade=False))
    assert {"Magenta", "Purple"} <= off  # the defect: one paint in two colours
    on = names(mapped(pixels, mask, "default"))
    assert "Magenta" in on and "Purple" not in on


def test_lit_pink_takes_magenta_not_its_purple_shade() -> None:
    # a pink frame lit at L* 47: Purple (L* 30) is 2 ΔE00 nearer only because Magenta (L* 60)
    # is far more colourful; a designer draws lit paint in the pair's lit colour
    pixels, mask = flat((120, 300), (185, 67, 143))
    pixels[:, 220:] = (150, 42, 98)
    assert names(mapped(pixels, mask, "default", lit_of_pair=False)) == {"Purple"}
    assert names(mapped(pixels, mask, "default")) == {"Magenta"}


def test_a_red_lit_like_its_shade_pair_keeps_the_dark_red() -> None:
    # a dark red (L* 31) stays in the designer palette's Deep red: nearer it in lightness
    pixels, mask = flat((120, 300), (120, 25, 35))
    pixels[:, 220:] = (90, 18, 27)
    assert names(mapped(pixels, mask, "designer")) == {"Deep red"}


def test_beige_with_a_shade_band_stays_tan_not_yellow() -> None:
    # the muted palette's tan (#C9A66B) is darker than its yellow (#F2C14E) and of a near hue,
    # but far less saturated: no shade pair, so a beige sail stays tan, lit or in shade
    pixels, mask = flat((120, 300), (214, 196, 150))
    pixels[:, 220:] = (160, 147, 112)
    assert names(mapped(pixels, mask, MUTED_15)) == {"#C9A66B"}
    sand, mask = flat((120, 300), (222, 190, 128))
    sand[:, 220:] = (166, 142, 96)
    assert names(mapped(sand, mask, MUTED_15)) == {"#C9A66B"}


def red_panel_with_a_large_pale_band() -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A red panel lit from the sky: a large pale band, then two mid tones and the shade."""
    pixels, mask = flat((120, 300), (226, 140, 140))
    pixels[:, 150:190] = (214, 104, 104)
    pixels[:, 190:230] = (200, 70, 70)
    pixels[:, 230:] = (180, 40, 40)
    return pixels, mask


def test_a_large_pale_band_on_a_red_panel_is_not_drawn_pink() -> None:
    # Pink is no lit Red (far less saturated): the pale band may not name the paint
    result = mapped(*red_panel_with_a_large_pale_band(), "default")
    assert "Pink" not in names(result)
    assert palette_name_at(result, 60, 60) == "Red"


def test_a_blue_car_with_a_large_sky_reflection_stays_one_blue() -> None:
    # the muted palette's light blue is no lit blue (washed out): the reflection, larger than
    # any paint region, must not name the paint
    pixels, mask = flat((120, 300), (150, 170, 225))
    pixels[:, 150:190] = (110, 135, 215)
    pixels[:, 190:230] = (80, 105, 200)
    pixels[:, 230:] = (40, 70, 180)
    assert names(mapped(pixels, mask, MUTED_15)) == {"#2E5EAA"}


def test_a_darker_seat_apart_from_an_orange_body_keeps_its_own_colour() -> None:
    # an orange body lit and in shade, and behind a grey post a brown seat: darker than the
    # body's shade (16.6 ΔE00 from it), so another paint, not the body in shade
    pixels, mask = flat((120, 420), (128, 128, 128))
    pixels[:, :200] = (235, 125, 20)
    pixels[:, 200:300] = (188, 100, 16)
    pixels[:, 330:] = (125, 66, 12)
    assert names(mapped(pixels, mask, "default")) == {"Orange", "Brown", "Gray"}
    assert palette_name_at(mapped(pixels, mask, "default"), 60, 380) == "Brown"


def test_one_flat_region_of_lit_pink_takes_magenta_as_with_a_shade_band() -> None:
    pixels, mask = flat((120, 300), (185, 67, 143))
    assert names(mapped(pixels, mask, "default", lit_of_pair=False)) == {"Purple"}
    assert names(mapped(pixels, mask, "default")) == {"Magenta"}


def test_a_part_joined_as_shade_does_not_pull_in_a_darker_one() -> None:
    # the shaded mudguard joins the frame; a darker part 13 ΔE00 from the mudguard but 15.5
    # from the frame's own shade is another paint (no chaining towards ever darker parts)
    pixels, mask = flat((120, 520), (128, 128, 128))
    pixels[:, :200] = (207, 106, 187)
    pixels[:, 200:300] = (157, 64, 110)
    pixels[:, 330:430] = (145, 60, 118)
    pixels[:, 460:] = (90, 35, 75)
    result = mapped(pixels, mask, "default")
    assert palette_name_at(result, 60, 380) == "Magenta"
    assert palette_name_at(result, 60, 490) == "Purple"
