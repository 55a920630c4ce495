"""Phase II window separators (issue 11): paint between two window bands stays paint, and
nothing else between two dark panes does. Each term of the rule is shown by a drawing it
decides."""

from __future__ import annotations

import cv2
import numpy as np

from tests.test_drawing_rules import _distance_to, _one_tone_share, _stylize
from tests.test_window_roofs import GLASS, GREY, RED, _finish


def draw_hull_with_two_window_bands() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A white hull (a motor yacht's) with two black window bands, one above the other, and
    a grey deck stripe between them that touches the hull only at its ends. RGB uint8,
    vehicle mask, the stripe's mask."""
    rng = np.random.default_rng(29)
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[40:200, 20:380] = True
    image[mask] = (235, 235, 235)
    image[70:95, 60:340] = GLASS
    stripe = np.zeros_like(mask)
    stripe[95:110, 60:340] = True
    image[stripe] = (128, 128, 132)
    image[110:135, 60:340] = GLASS
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, stripe


def test_a_stripe_between_two_window_bands_is_not_glass() -> None:
    # framed by the two panes, the stripe passed as a reflection in one of them, and the two
    # bands were drawn as one thick black band (the city-with-water motor yacht's)
    pixels, mask, stripe = draw_hull_with_two_window_bands()
    inner = cv2.erode(stripe.astype(np.uint8), np.ones((5, 5))).astype(bool)
    off = _stylize(pixels, mask, window_separators=False)
    assert _distance_to(off, inner, GLASS) < 8, "the rule off, the stripe is glass"
    on = _stylize(pixels, mask, window_separators=True)
    assert _distance_to(on, inner, (128, 128, 132)) < 8, "the stripe keeps its grey"
    band = np.zeros_like(mask)
    band[75:90, 65:335] = True
    assert _distance_to(on, band, GLASS) < 8, "the bands stay glass"


def draw_band_with_a_glare() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red bus whose black window band (28 % of it) is crossed by a light diagonal glare
    from top to bottom: two black panes either side, the glare holding their short sides.
    RGB uint8, vehicle mask, the band's mask."""
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[40:200, 10:390] = True
    image[mask] = RED
    band = np.zeros_like(mask)
    band[60:110, 30:370] = True
    image[band] = GLASS
    for y in range(60, 110):
        left = 170 + int((y - 60) * 0.6)
        image[y, left : left + 22] = GREY
    return _finish(image, 42), mask, band


def test_a_glare_across_a_window_band_is_glass() -> None:
    # the glare held a quarter of its outline with each pane and passed as a separator: the
    # band was drawn as two black windows with a grey stripe
    pixels, mask, band = draw_band_with_a_glare()
    on = _stylize(pixels, mask, window_separators=True)
    assert _one_tone_share(on, band) > 0.97, "the band must stay one glass shape"


def draw_stripe_between_unlike_panes(
    upper: tuple[int, int, int], lower_rows: slice
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red body with a black window on top, a grey reflection along its bottom and, under
    that, a dark pane in ``lower_rows`` (RGB ``upper``'s tone for the top window is GLASS'
    otherwise): the reflection touches the body only at its ends. RGB uint8, vehicle mask,
    the reflection's mask."""
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[30:200, 20:380] = True
    image[mask] = RED
    image[60:100, 150:250] = upper
    piece = np.zeros_like(mask)
    piece[100:120, 150:250] = True
    image[piece] = (128, 128, 132)
    image[lower_rows, 150:250] = (40, 41, 44)
    return _finish(image, 43), mask, piece


def test_a_reflection_between_panes_of_two_tones_is_glass() -> None:
    # an L 27 pane over an L 17 one is one window in two tones (a bus band's), not two
    # windows of one glass (SEPARATOR_TONE): the grey between them is a reflection
    pixels, mask, piece = draw_stripe_between_unlike_panes((62, 63, 66), slice(120, 160))
    inner = cv2.erode(piece.astype(np.uint8), np.ones((5, 5))).astype(bool)
    on = _stylize(pixels, mask, window_separators=True)
    assert _distance_to(on, inner, (128, 128, 132)) > 15, "the reflection joins the glass"


def test_a_reflection_over_a_dark_fleck_is_glass() -> None:
    # a dark fleck under the reflection, smaller than half of it, is no window beside it
    # (SEPARATOR_PANE_AREA): the reflection joins the window above
    pixels, mask, piece = draw_stripe_between_unlike_panes((40, 41, 44), slice(120, 129))
    inner = cv2.erode(piece.astype(np.uint8), np.ones((5, 5))).astype(bool)
    on = _stylize(pixels, mask, window_separators=True)
    assert _distance_to(on, inner, (128, 128, 132)) > 15, "the reflection joins the glass"
