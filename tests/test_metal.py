"""Metal drawn as a designer would: a gold part whose shade is more saturated than its lit
side keeps its gold (``phase2.flatten.lit_paint``). Drawn images show the defect and the fix."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage
from v2v.color.palette import Palette
from v2v.config import load_config
from v2v.context import RunContext
from v2v.stages.palette import map_to_palette
from v2v.stages.stylize.classical import ClassicalStylizer


def _rgb(lightness: float, a: float, b: float) -> tuple[int, int, int]:
    lab = np.array([[[lightness, a, b]]], np.float32)
    red, green, blue = (cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)[0, 0] * 255.0 + 0.5).astype(int)
    return int(red), int(green), int(blue)


BLUE = (30, 60, 170)


def gold_fender(seed: int = 0) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A photo-like blue frame panel and a gold fender in shade (L* 49, the more saturated
    tone) with two lit gold lugs (L* 60) standing off it, each too small to be a tone of its
    own, as the all-sports-mural lowrider's rear fender."""
    rng = np.random.default_rng(seed)
    pixels = np.full((320, 500, 3), 205.0)
    mask = np.zeros((320, 500), bool)
    pixels[30:290, 20:320], mask[30:290, 20:320] = BLUE, True
    pixels[150:250, 340:460], mask[150:250, 340:460] = _rgb(49.3, 1.1, 28.7), True
    for left in (360, 420):
        pixels[80:150, left : left + 12] = _rgb(60.4, 1.9, 33.0)
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
