"""White glare on light paint (``phase2.flatten.glare_paint_pixels``): whether the paint is
light is read from its photo pixels beside the glare too, not only from its blended colour,
which moved 7 L* on a light-blue Mini by how the merges cut its body (one piece, L* 54.8, or a
lit upper piece, L* 61.6): the glare along its shoulder was drawn white after a redraw."""

from __future__ import annotations

import numpy as np

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
