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
