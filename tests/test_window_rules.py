"""Phase II window rules (issue 11) on drawn vehicles: a window is one glass shape. Each test
shows the defect with its rule off and the fix with it on."""

from __future__ import annotations

import cv2
import numpy as np

from tests.test_drawing_rules import (
    _distance_to,
    _one_tone_share,
    _stylize,
    draw_windscreen_with_street_reflection,
)
from tests.test_phase2 import HEIGHT, WIDTH

GLASS = (25, 28, 34)
WHITE = (246, 246, 246)


def test_a_dark_grey_piece_beside_black_glass_on_a_white_body_is_glass() -> None:
    # a white hull (a yacht's) whose window holds a dark-grey piece standing on its frame: no
    # paint frames it, but dark grey beside black glass is the glass, not a white body's panel
    pixels, mask, pane = draw_windscreen_with_street_reflection((235, 235, 235), (90, 92, 98))
    off = _stylize(pixels, mask, window_dark_pieces=False)
    assert _one_tone_share(off, pane) < 0.8, "with the rule off the piece is its own shape"
    on = _stylize(pixels, mask, window_dark_pieces=True)
    assert _one_tone_share(on, pane) > 0.97, "the window must be one glass shape"
    inner = cv2.erode(pane.astype(np.uint8), np.ones((5, 5))).astype(bool)
    assert _distance_to(on, inner, GLASS) < 8, "the glass keeps its dark tone"


def draw_white_cab_with_shaded_top() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A white cab (a garbage truck's) whose dark windscreen shows the lit interior, and whose
    top above it is in shade: three grey panels of the white paint, each small, as flattening
    leaves them. RGB uint8, vehicle mask, the window's mask, the shaded top's mask."""
    rng = np.random.default_rng(21)
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[15:225, 10:390] = True
    image[mask] = WHITE
    window = np.zeros_like(mask)
    window[80:125, 60:180] = True
    image[window] = GLASS
    image[92:107, 80:110] = (150, 152, 158)  # the interior seen through the glass
    image[100:115, 130:160] = (150, 152, 158)
    top = np.zeros_like(mask)
    top[56:80, 60:180] = True
    for left, grey in zip((60, 100, 140), (120, 160, 200), strict=True):
        image[56:80, left : left + 40] = grey
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, window, top


def test_a_white_cab_top_in_shade_beside_dark_glass_is_not_glass() -> None:
    # grey pieces of a white cab in shade join the windscreen's light and dark mosaic; its
    # median tone, dark, drew the cab's top as glass (both garbage trucks' cabs were a slab)
    pixels, mask, window, top = draw_white_cab_with_shaded_top()
    inner_top = cv2.erode(top.astype(np.uint8), np.ones((5, 5))).astype(bool)
    off = _stylize(pixels, mask, glass_body=False)
    assert _distance_to(off, inner_top, GLASS) < 8, "with the rule off the top is glass"
    on = _stylize(pixels, mask, glass_body=True)
    assert _distance_to(on, inner_top, GLASS) > 25, "the cab's top must stay light paint"
    assert _one_tone_share(on, window) > 0.97, "the window must be one glass shape"
    inner = cv2.erode(window.astype(np.uint8), np.ones((5, 5))).astype(bool)
    assert _distance_to(on, inner, GLASS) < 8, "the glass keeps its dark tone"


def draw_white_cab_with_gap_behind() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The white cab in shade of ``draw_white_cab_with_shaded_top``, with the dark gap
    between the cab and the body behind it, a grey panel seen in the gap: the gap joins the
    windscreen's mosaic only through the shaded top. RGB uint8, vehicle mask, the gap's top
    (above the panel)."""
    rng = np.random.default_rng(25)
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[15:225, 10:390] = True
    image[mask] = WHITE
    image[80:125, 60:170] = GLASS
    image[92:107, 80:110] = (150, 152, 158)
    image[100:115, 130:160] = (150, 152, 158)
    for left, grey in zip((60, 100, 140), (120, 160, 200), strict=True):
        image[56:80, left : left + 40] = grey
    image[56:200, 180:200] = GLASS
    image[66:190, 184:196] = (150, 150, 150)
    gap_top = np.zeros_like(mask)
    gap_top[57:64, 182:198] = True
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, gap_top


def test_what_is_left_of_a_mosaic_after_peeling_the_body_is_folded_only_if_glass() -> None:
    # peeling the cab's top split the mosaic; the gap and its panel, two pieces, are no glass,
    # but were folded into their median, the panel's grey (the cut-out garbage truck's gap
    # between cab and body was drawn grey)
    pixels, mask, gap_top = draw_white_cab_with_gap_behind()
    on = _stylize(pixels, mask, glass_body=True)
    assert _distance_to(on, gap_top, GLASS) < 8, "the gap must stay dark"


def draw_silver_car_with_sky_in_windscreen() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A silver car whose dark windscreen shows the lit interior and, along its top, the sky
    reflected in three light-grey pieces, each lighter than the paint around them: the white
    cab's layout, but light glass, not shaded paint. RGB uint8, vehicle mask, the window's
    mask (band included)."""
    rng = np.random.default_rng(24)
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[15:225, 10:390] = True
    image[mask] = (176, 178, 182)
    window = np.zeros_like(mask)
    window[56:125, 60:180] = True
    image[window] = GLASS
    image[92:107, 80:110] = (150, 152, 158)
    image[100:115, 130:160] = (150, 152, 158)
    for left, grey in zip((60, 100, 140), (225, 230, 235), strict=True):
        image[56:80, left : left + 40] = grey
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, window


def test_a_sky_reflection_along_a_silver_cars_windscreen_top_stays_glass() -> None:
    # light pieces beside light paint are not the body when they are lighter than it: the sky
    # in a silver car's windscreen is no shade of its paint (the rule drew it as a light band)
    pixels, mask, window = draw_silver_car_with_sky_in_windscreen()
    on = _stylize(pixels, mask, glass_body=True)
    assert _one_tone_share(on, window) > 0.9, "the windscreen must stay one glass shape"
    inner = cv2.erode(window.astype(np.uint8), np.ones((5, 5))).astype(bool)
    assert _distance_to(on, inner, GLASS) < 8, "the glass keeps its dark tone"


def draw_window_with_reflection_in_strips() -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray
]:
    """A red bus front whose large dark windscreen (a sixth of it: too large for the glass
    mosaic rule) holds a reflection in two narrow upright strips of different greys (a
    pillar's glare beside the sky, as on the London bus's upper deck): neither is enclosed
    by the glass alone, and two pieces are no mosaic for the glass rule. RGB uint8, vehicle
    mask, the window's mask, the strips' mask."""
    rng = np.random.default_rng(22)
    image = np.full((HEIGHT, WIDTH, 3), 215.0)
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[30:200, 20:380] = True
    image[mask] = (190, 30, 40)
    pane = np.zeros_like(mask)
    pane[50:100, 100:300] = True
    image[pane] = GLASS
    strips = np.zeros_like(mask)
    strips[55:95, 188:204] = True
    for left, grey in zip((188, 196), (190, 130), strict=True):
        image[55:95, left : left + 8] = grey
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, pane, strips


def test_a_reflection_in_several_grey_pieces_in_dark_glass_is_glass() -> None:
    pixels, mask, pane, strips = draw_window_with_reflection_in_strips()
    off = _stylize(pixels, mask, glass_reflection_groups=False)
    assert _distance_to(off, strips, GLASS) > 20, "with the rule off the strips are shapes"
    on = _stylize(pixels, mask, glass_reflection_groups=True)
    assert _one_tone_share(on, pane) > 0.97, "the window must be one glass shape"
    inner = cv2.erode(pane.astype(np.uint8), np.ones((5, 5))).astype(bool)
    assert _distance_to(on, inner, GLASS) < 8, "the glass keeps its dark tone"


def draw_windscreen_round_the_corner() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red cab whose dark windscreen wraps round its corner: the end seen edge-on is dark
    grey, a sliver on the silhouette's edge with the body only below it, bordered by little but
    the glass and the background (a fire truck cut out of its photo). RGB uint8, vehicle
    mask, the window's mask (windscreen and end)."""
    rng = np.random.default_rng(23)
    image = np.full((HEIGHT, WIDTH, 3), 215.0)
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[30:200, 40:380] = True
    mask[100:200, 32:40] = True
    image[mask] = (190, 30, 40)
    window = np.zeros_like(mask)
    window[40:100, 32:200] = True
    mask |= window
    image[window] = GLASS
    image[40:100, 32:40] = (80, 82, 88)
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, window


def test_a_dark_grey_windscreen_end_on_the_silhouette_is_glass() -> None:
    pixels, mask, window = draw_windscreen_round_the_corner()
    end = np.zeros_like(window)
    end[45:95, 33:38] = True
    off = _stylize(pixels, mask, window_edge_pieces=False)
    assert _distance_to(off, end, GLASS) > 10, "with the rule off the end is its own shape"
    on = _stylize(pixels, mask, window_edge_pieces=True)
    assert _one_tone_share(on, window) > 0.97, "the windscreen must be one glass shape"
    assert _distance_to(on, end, GLASS) < 8, "the end takes the glass's dark tone"


def draw_two_tone_car() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red car with a dark-grey roof on its window band (a MINI's): the roof borders the
    windows below and the sky above, the red pillars only at its ends, as the windscreen's
    end on a cut-out cab does. RGB uint8, vehicle mask, the roof's mask."""
    rng = np.random.default_rng(26)
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[90:200, 20:380] = True
    mask[40:90, 90:310] = True
    image[mask] = (190, 30, 40)
    roof = np.zeros_like(mask)
    roof[40:52, 90:310] = True
    image[roof] = (70, 70, 74)
    image[52:88, 96:304] = GLASS
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, roof


def test_a_dark_grey_roof_on_the_window_band_is_not_glass() -> None:
    # open to the sky and bordered below by the windows, the roof met the edge-piece rule's
    # 90 % share (pane and background) and took the glass's tone; it is a band along the
    # whole window, not a sliver at its end
    pixels, mask, roof = draw_two_tone_car()
    inner = cv2.erode(roof.astype(np.uint8), np.ones((5, 5))).astype(bool)
    on = _stylize(pixels, mask, window_edge_pieces=True)
    assert _distance_to(on, inner, GLASS) > 10, "the roof must keep its own grey"


def draw_cab_with_a_lit_door_window() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A red cab with two dark windows: a plain one, and a door window whose glass shows the
    lit interior as two grey pieces, one dark grey and one light grey, beside the black glass
    (a fire truck's door window): a mosaic whose median piece is the dark grey. RGB uint8,
    vehicle mask, the plain window's mask, the door window's mask."""
    rng = np.random.default_rng(27)
    image = np.full((HEIGHT, WIDTH, 3), 215.0)
    mask = np.zeros((HEIGHT, WIDTH), bool)
    mask[30:200, 20:380] = True
    image[mask] = (190, 30, 40)
    plain = np.zeros_like(mask)
    plain[60:105, 60:180] = True
    image[plain] = GLASS
    door = np.zeros_like(mask)
    door[60:105, 220:340] = True
    image[door] = GLASS
    image[60:105, 268:298] = (70, 71, 75)  # the interior in shade
    image[60:105, 298:340] = (130, 132, 136)  # ...and lit
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, plain, door


def test_a_dark_window_mosaic_takes_its_dark_glass_tone() -> None:
    # the mosaic's median piece, dark grey, drew the door window grey while the cab's other
    # windows were black (the cut-out fire truck); its dark pieces are the glass's tone
    pixels, mask, plain, door = draw_cab_with_a_lit_door_window()
    inner = cv2.erode(door.astype(np.uint8), np.ones((5, 5))).astype(bool)
    off = _stylize(pixels, mask, glass_dark_tone=False)
    assert _one_tone_share(off, door) > 0.97, "the rule off, the mosaic is one shape too"
    assert _distance_to(off, inner, GLASS) > 10, "...in the dark grey's tone"
    on = _stylize(pixels, mask, glass_dark_tone=True)
    assert _one_tone_share(on, door) > 0.97, "the door window must be one glass shape"
    assert _distance_to(on, inner, GLASS) < 8, "in the glass's dark tone"
    assert _distance_to(on, plain, GLASS) < 8, "like the plain window"
