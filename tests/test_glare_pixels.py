"""White glare on light paint (``phase2.flatten.glare_paint_pixels``): whether the paint is
light is read from its photo pixels beside the glare too, not only from its blended colour,
which moved 7 L* on a light-blue Mini by how the merges cut its body (one piece, L* 54.8, or a
lit upper piece, L* 61.6): the glare along its shoulder was drawn white after a redraw."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from v2v.config import load_config
from v2v.stages.stylize.flatten import flatten
from v2v.stages.stylize.glare import absorb_light_glare, border_lightness
from v2v.stages.stylize.regions import RegionGraph


def _car(paint_l: float, lit_l: float) -> tuple[RegionGraph, np.ndarray, np.ndarray]:
    """A white glare band (region 0, rows 0-9) on blue paint (region 1, rows 10-39) whose
    blended colour is ``paint_l`` and whose photo pixels are ``lit_l`` beside the glare
    (rows 10-19) and L* 49 below."""
    labels = np.zeros((40, 40), np.int32)
    labels[10:] = 1
    lab = np.zeros((40, 40, 3), np.float32)
    lab[:10] = (98.0, -1.0, -1.0)
    lab[10:20] = (lit_l, -7.0, -31.0)
    lab[20:] = (49.0, -7.0, -31.0)
    colors = np.array([(98.0, -1.0, -1.0), (paint_l, -7.0, -31.0)])
    pairs = (np.array([0]), np.array([1]), np.array([40]))
    graph = RegionGraph(colors, np.array([400, 1200]), pairs, np.zeros(2, np.int64))
    return graph, labels, lab


def _absorbed(paint_l: float, lit_l: float, pixels: bool) -> bool:
    graph, labels, lab = _car(paint_l, lit_l)
    beside = border_lightness(graph, labels, lab) if pixels else None
    absorb_light_glare(graph, beside=beside)
    return not graph.alive[0]


def test_glare_on_lit_paint_does_not_depend_on_how_the_paint_was_blended() -> None:
    assert _absorbed(56.0, 63.0, pixels=False)
    assert not _absorbed(54.0, 63.0, pixels=False), "the blend alone flips at L* 55"
    assert _absorbed(56.0, 63.0, pixels=True)
    assert _absorbed(54.0, 63.0, pixels=True)


def test_a_white_stripe_on_dark_paint_stays() -> None:
    """Dark paint (a fire truck's red, L* 45 beside its white stripe) is not light paint."""
    assert not _absorbed(45.0, 45.0, pixels=True)
    assert not _absorbed(50.0, 47.0, pixels=True)


def test_a_soft_edged_white_stripe_on_dark_paint_stays() -> None:
    """The pixels where a soft edge fades from the paint (L* 43) to the stripe are not the
    paint's: within 3 px of the stripe their median was L* 70 and the stripe was drawn red."""
    graph, labels, lab = _car(43.0, 43.0)
    lab[10:13, :, 0] = np.array([85.0, 70.0, 55.0])[:, None]
    absorb_light_glare(graph, beside=border_lightness(graph, labels, lab))
    assert graph.alive[0]


@pytest.mark.parametrize("sigma", [1.5, 2.0])
def test_flatten_keeps_a_blurred_white_stripe_on_red_paint_white(sigma: float) -> None:
    """A fire truck's white stripe (14 px) on red paint (L* 43), its edges blurred."""
    image = np.full((256, 512, 3), 235, np.uint8)
    mask = np.zeros((256, 512), bool)
    mask[40:220, 20:492] = True
    image[mask] = (200, 30, 30)
    image[110:124, 20:492] = 250
    image = cv2.GaussianBlur(image, (0, 0), sigma)
    config = load_config().phase2.flatten.model_copy(update={"wheels": False})
    assert config.glare_paint_pixels
    assert flatten(image, mask, config).pixels[117, 250].min() > 200
