"""The redraw-robustness keys of phase II (``tone_hue_anchor``, ``paint_chroma_margin``,
``darker_names``) act through ``flatten`` as configured: each flat drawn vehicle below comes out
differently with its key on and off."""

from __future__ import annotations

import math

import numpy as np
import pytest

from v2v.color.ciede2000 import rgb_to_lab
from v2v.config import load_config
from v2v.errors import ConfigError
from v2v.stages.stylize.flatten import flatten
from v2v.stages.stylize.raster import lab_to_rgb

Block = tuple[tuple[int, int, int, int], tuple[float, float, float]]


def _lab(lightness: float, chroma: float, hue: float) -> tuple[float, float, float]:
    angle = math.radians(hue)
    return (lightness, chroma * math.cos(angle), chroma * math.sin(angle))


def _drawn(blocks: list[Block], points: list[tuple[int, int]], **update: object) -> np.ndarray:
    """L*a*b* at ``points`` of the flattened 200 x 500 vehicle painted with ``blocks``
    ((rows and columns from, to), L*a*b*), the flatten config updated with ``update``."""
    image = np.zeros((200, 500, 3), np.uint8)
    for (top, bottom, left, right), color in blocks:
        image[top:bottom, left:right] = lab_to_rgb(np.array([color], float))[0]
    config = load_config().phase2.flatten.model_copy(update={"wheels": False, **update})
    lab = rgb_to_lab(flatten(image, np.ones((200, 500), bool), config).pixels)
    return np.array([lab[y, x] for y, x in points])


def test_tone_hue_anchor_keeps_an_orange_cabin_beside_a_red_hull() -> None:
    # red hull, a darker orange-red strip within 20° of both, an orange cabin 26° from the red
    hull, strip, cabin = _lab(46, 72, 34), _lab(40, 64, 45), _lab(73, 55, 60)
    blocks = [((0, 200, 0, 240), hull), ((0, 200, 240, 260), strip), ((0, 200, 260, 500), cabin)]
    off = _drawn(blocks, [(100, 100), (100, 400)], tone_hue_anchor=False)
    on = _drawn(blocks, [(100, 100), (100, 400)], tone_hue_anchor=True)
    assert np.abs(off[1] - off[0]).max() < 3, "without the anchor the cabin takes the hull's red"
    assert np.abs(on[1] - np.array(cabin)).max() < 3


def test_paint_chroma_margin_names_a_pink_deck_by_its_lit_side() -> None:
    # a deck in shade (L* 42, chroma 56), lit (L* 60, chroma 54) and under glare
    shade, lit, glare = _lab(42, 56, 345), _lab(60, 54, 338), _lab(74, 45, 339)
    blocks = [((0, 200, 0, 150), shade), ((0, 200, 150, 390), lit), ((0, 200, 390, 500), glare)]
    points = [(100, 75), (100, 250), (100, 450)]
    off = _drawn(blocks, points, paint_chroma_margin=0.0)
    on = _drawn(blocks, points, paint_chroma_margin=0.05)
    assert np.abs(off - np.array(shade)).max() < 3, "without the margin all of it in shade"
    assert np.abs(on[0] - np.array(shade)).max() < 3
    assert np.abs(on[1:] - np.array(lit)).max() < 3


def test_darker_names_draws_a_track_folded_into_a_grey_pane_black() -> None:
    # a grey pane (L* 32) and, beside it, a larger black piece (L* 12) on a red body: the
    # window rule folds the piece into the pane; the larger, darker black names the result
    red, pane, track = _lab(45, 60, 35), (32.0, 1.0, 3.0), (12.0, 1.0, 3.0)
    blocks = [((0, 200, 0, 500), red), ((20, 180, 150, 190), pane), ((20, 180, 190, 240), track)]
    points = [(100, 170), (100, 215)]
    off = _drawn(blocks, points, darker_names=False)
    on = _drawn(blocks, points, darker_names=True)
    assert np.abs(off - np.array(pane)).max() < 3, "without the rule the pane's grey names both"
    assert np.abs(on - np.array(track)).max() < 3


def test_paint_chroma_margin_is_capped_at_a_near_tie() -> None:
    # a margin of 0.3 would name a paint by a lit region of 70 % of its chroma: glare, no tie
    load_config(overrides=["phase2.flatten.paint_chroma_margin=0.15"])
    with pytest.raises(ConfigError, match=r"paint_chroma_margin: .*less than or equal to 0\.15"):
        load_config(overrides=["phase2.flatten.paint_chroma_margin=0.3"])
