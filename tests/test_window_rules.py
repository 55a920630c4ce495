"""Phase II window rules (issue 11) on drawn cars: a window is one glass shape, and the body
around it stays body. Each test shows the defect with its rule off and the fix with it on."""

from __future__ import annotations

import cv2
import numpy as np

from tests.test_drawing_rules import (
    _distance_to,
    _one_tone_share,
    _stylize,
    draw_dark_glass_with_reflection,
    draw_windscreen_with_street_reflection,
)
from tests.test_phase2 import HEIGHT, WIDTH

GLASS = (25, 28, 34)
WHITE = (246, 246, 246)


def draw_white_roof_band_over_windows() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The red car with dark windows holding sky reflections, and a white band on the roof
    line right above them (a garbage truck's white cab roof): it touches both windows, each
    also split by a grey streak (a pillar reflected), so windows, reflections and band are
    one mosaic of greys. RGB uint8, mask, band mask."""
    pixels, mask, panes = draw_dark_glass_with_reflection()
    columns = np.arange(WIDTH)[None, :]
    for pane, middle in zip(panes, (195, 260), strict=True):
        pixels[pane & (np.abs(columns - middle) < 4)] = (150, 155, 160)
    band = np.zeros((HEIGHT, WIDTH), bool)
    band[50:60, 168:283] = True
    band &= mask
    rng = np.random.default_rng(21)
    noisy = np.asarray(WHITE, float) + rng.normal(0, 4, (int(band.sum()), 3))
    pixels[band] = np.clip(noisy, 0, 255).astype(np.uint8)
    return pixels, mask, band


def test_a_white_roof_band_on_the_silhouette_is_not_swallowed_by_the_windows() -> None:
    pixels, mask, band = draw_white_roof_band_over_windows()
    inner = cv2.erode(band.astype(np.uint8), np.ones((3, 3))).astype(bool)
    off = _stylize(pixels, mask, glass_keeps_body=False)
    assert _distance_to(off, inner, WHITE) > 20, "with the rule off the roof takes the glass tone"
    on = _stylize(pixels, mask, glass_keeps_body=True)
    assert _distance_to(on, inner, WHITE) < 5, "the white roof band must stay white"
    _, _, panes = draw_dark_glass_with_reflection()
    assert min(_one_tone_share(on, pane) for pane in panes) > 0.97, "each window one shape"


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
