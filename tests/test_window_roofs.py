"""Phase II window rules on roofs and separators (issue 11): a dark roof keeps the light
window under it out, paint between two window bands stays paint, and neither splits one
window. Each rule is shown on and off, and each of its terms by a drawing it decides."""

from __future__ import annotations

import cv2
import numpy as np

from tests.test_drawing_rules import _distance_to, _one_tone_share, _stylize
from v2v.stages.stylize.owners import region_boxes, sky_contact

GLASS = (25, 28, 34)
RED = (190, 30, 40)
GREY = (150, 152, 156)


def _finish(image: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, 3, image.shape), 0, 255).astype(np.uint8)


def draw_car_with_dark_roof_over_light_glass() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red car whose dark roof (a two-tone MINI's) stands on a light-grey window (the sky
    reflected in the glass): the roof's top is the silhouette's, the window is framed by the
    red body (under 60 % of its outline: a light patch the paint encloses is a specular spot).
    RGB uint8, vehicle mask, the window's mask."""
    rng = np.random.default_rng(28)
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[75:200, 20:380] = True
    mask[40:75, 140:270] = True
    image[mask] = (190, 30, 40)
    image[40:75, 150:260] = (60, 60, 64)  # the roof
    window = np.zeros_like(mask)
    window[75:95, 155:255] = True
    image[window] = (165, 168, 172)
    image += rng.normal(0, 3, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), mask, window


def test_a_light_window_under_a_dark_roof_keeps_its_glass_tone() -> None:
    # the roof, dark and little open to the background, passed as a dark pane, and the
    # light window framed by paint beside it was folded into it as a reflection: the cut-out
    # MINI's rear window was drawn black, one shape with its roof
    pixels, mask, window = draw_car_with_dark_roof_over_light_glass()
    inner = cv2.erode(window.astype(np.uint8), np.ones((5, 5))).astype(bool)
    off = _stylize(pixels, mask, window_roofs=False)
    assert _distance_to(off, inner, (60, 60, 64)) < 8, "the rule off, the window is the roof"
    on = _stylize(pixels, mask, window_roofs=True)
    assert _distance_to(on, inner, (165, 168, 172)) < 8, "the window keeps its light tone"
    roof = np.zeros_like(mask)
    roof[45:70, 155:255] = True
    assert _distance_to(on, roof, (60, 60, 64)) < 8, "the roof stays dark"


def draw_roof_joined_to_glass() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red car whose black roof runs into its black windows, one dark region whose top is
    the silhouette's, with a grey reflection on the rear window's sill (a two-tone car's).
    RGB uint8, vehicle mask, the rear window's mask."""
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[90:200, 20:380] = True
    mask[40:90, 120:300] = True
    image[mask] = RED
    image[40:55, 125:295] = GLASS
    image[55:85, 130:290] = GLASS
    image[55:85, 205:212] = RED  # the pillar between the windows
    rear = np.zeros_like(mask)
    rear[55:85, 212:290] = True
    image[76:85, 220:285] = GREY
    return _finish(image, 41), mask, rear


def test_a_reflection_in_glass_joined_to_a_dark_roof_is_glass() -> None:
    # the roof rule skipped the whole pane, roof and glass, and the sill's reflection was
    # drawn as a grey patch in the black window; it lies within the pane, not under it
    pixels, mask, rear = draw_roof_joined_to_glass()
    on = _stylize(pixels, mask, window_roofs=True)
    assert _one_tone_share(on, rear) > 0.97, "the rear window must be one glass shape"
    inner = cv2.erode(rear.astype(np.uint8), np.ones((5, 5))).astype(bool)
    assert _distance_to(on, inner, GLASS) < 8, "in the glass's dark tone"


def draw_roof_wrapping_round_a_window() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red car whose dark roof runs down its rear pillar beside the light rear window (the
    cut-out MINI's): the window lies within the roof's height, larger than the roof. RGB
    uint8, vehicle mask, the window's mask."""
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[90:200, 20:380] = True
    mask[40:90, 140:270] = True
    image[mask] = RED
    image[40:55, 150:260] = (60, 60, 64)  # the roof
    image[55:90, 150:165] = (60, 60, 64)  # ... down the rear pillar
    window = np.zeros_like(mask)
    window[55:90, 165:255] = True
    image[window] = (165, 168, 172)
    return _finish(image, 32), mask, window


def test_a_light_window_within_a_dark_roofs_height_keeps_its_glass_tone() -> None:
    # the window hangs no lower than the roof's pillar, but it is larger than the roof: a
    # window under it, not a reflection in glass joined to it (ROOF_PIECE_RATIO)
    pixels, mask, window = draw_roof_wrapping_round_a_window()
    inner = cv2.erode(window.astype(np.uint8), np.ones((5, 5))).astype(bool)
    off = _stylize(pixels, mask, window_roofs=False)
    assert _distance_to(off, inner, (60, 60, 64)) < 8, "the rule off, the window is the roof"
    on = _stylize(pixels, mask, window_roofs=True)
    assert _distance_to(on, inner, (165, 168, 172)) < 8, "the window keeps its light tone"


def draw_dark_roof_under_a_rail() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dark roof over light glass of ``draw_car_with_dark_roof_over_light_glass`` with a
    red rail on the left third of its top (two thirds of its top edge on the background) and
    a smaller window. RGB uint8, vehicle mask, the window's mask."""
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[75:200, 20:380] = True
    mask[40:75, 140:270] = True
    mask[34:40, 150:187] = True
    image[mask] = RED
    image[40:75, 150:260] = (60, 60, 64)
    window = np.zeros_like(mask)
    window[75:90, 170:240] = True  # a third of the roof's area: it hangs below the roof
    image[window] = (165, 168, 172)
    return _finish(image, 30), mask, window


def test_a_roof_partly_under_a_rail_is_still_a_roof() -> None:
    # a third of the roof's top on paint: still over half on the background (ROOF_SKY)
    pixels, mask, window = draw_dark_roof_under_a_rail()
    inner = cv2.erode(window.astype(np.uint8), np.ones((5, 5))).astype(bool)
    off = _stylize(pixels, mask, window_roofs=False)
    assert _distance_to(off, inner, (60, 60, 64)) < 8, "the rule off, the window is the roof"
    on = _stylize(pixels, mask, window_roofs=True)
    assert _distance_to(on, inner, (165, 168, 172)) < 8, "the window keeps its light tone"


def draw_window_with_a_notched_top() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red body whose black window has a grey reflection along its whole bottom edge, and
    whose top is on the background over its left 30 % (a notch cut out of the body above it):
    a window, not a roof. RGB uint8, vehicle mask, the window's mask (reflection included)."""
    image = np.full((240, 400, 3), 215.0)
    mask = np.zeros((240, 400), bool)
    mask[50:200, 20:380] = True
    mask[50:60, 100:160] = False
    image[mask] = RED
    window = np.zeros_like(mask)
    window[60:100, 100:300] = True
    image[window] = GLASS
    image[90:100, 100:300] = GREY
    return _finish(image, 31), mask, window


def test_a_window_little_on_the_background_takes_its_reflection() -> None:
    # 30 % of the window's top on the background is no roof: the reflection under its lowest
    # row is still a window piece
    pixels, mask, window = draw_window_with_a_notched_top()
    on = _stylize(pixels, mask, window_roofs=True)
    assert _one_tone_share(on, window) > 0.97, "the window must be one glass shape"


def test_sky_contact_takes_the_first_row_per_column_and_not_the_image_edge() -> None:
    owners = np.full((60, 100), -1, np.int32)
    owners[10:50, 10:90] = 0
    assert sky_contact([0], owners, region_boxes(owners)) == 1.0
    owners[20:30, 15:85] = 1  # a hole in the roof: its top is the roof's, not the sky's
    assert sky_contact([0], owners, region_boxes(owners)) == 1.0
    edge = np.full((60, 100), -1, np.int32)
    edge[0:40, 10:90] = 1
    edge[0:30, 30:70] = 0  # a window on the image's top edge, the body beside it
    assert sky_contact([0], edge, region_boxes(edge)) == 0.0
    edge[5:30, 20:30] = 0  # ... a part under the background, one under the body: of the
    edge[0:5, 20:30] = -1  # columns off the image's edge, half have the background above
    edge[5:30, 70:80] = 0
    assert sky_contact([0], edge, region_boxes(edge)) == 0.5
    assert sky_contact([2], owners, region_boxes(owners)) == 0.0, "no box, no contact"
