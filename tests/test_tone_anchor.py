"""Paint tones unified around the paint's own hue (``phase2.flatten.tone_hue_anchor``): a paint
family is chained neighbour by neighbour (each within 20° of hue of the next), so an orange
cabin joined a tug's red stripes through an orange-red piece and was recoloured red as their
"highlight"; whether the linking piece exists changes with phase II's grid."""

from __future__ import annotations

import numpy as np

from v2v.stages.stylize.absorb import unify_tones
from v2v.stages.stylize.regions import RegionGraph

RED = (46.0, 59.0, 40.0)  # hue 34°, the most chromatic: the family's paint
LINK = (60.0, 45.0, 45.0)  # hue 45°: within 20° of both
ORANGE = (73.0, 28.0, 48.0)  # hue 60°: 26° from the red


def _tug() -> RegionGraph:
    colors = np.array([RED, LINK, ORANGE])
    pairs = (np.array([0, 1]), np.array([1, 2]), np.array([30, 30]))
    return RegionGraph(colors, np.array([3000, 300, 2500]), pairs, np.zeros(3, np.int64))


def test_a_hue_chained_to_the_paint_keeps_its_colour() -> None:
    chained = _tug()
    unify_tones(chained, 1000.0, lit_paint=True)
    assert np.allclose(chained.color[2], RED), "without the anchor the orange cabin turns red"
    anchored = _tug()
    unify_tones(anchored, 1000.0, lit_paint=True, hue_anchor=True)
    assert np.allclose(anchored.color[2], ORANGE)
    assert np.allclose(anchored.color[1], RED)  # the piece of the paint's hue still takes it
