"""Paint tones unified around the paint (``tone_hue_anchor``, ``paint_chroma_margin``): a paint
family is chained neighbour by neighbour (each within 20° of hue of the next), so an orange
cabin joined a tug's red stripes through an orange-red piece and was recoloured red as their
"highlight"; whether the linking piece exists changes with phase II's grid."""

from __future__ import annotations

import math

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


def _lab(lightness: float, chroma: float, hue: float) -> tuple[float, float, float]:
    angle = math.radians(hue)
    return (lightness, chroma * math.cos(angle), chroma * math.sin(angle))


def test_a_near_tie_in_chroma_names_the_lit_side_not_the_shade() -> None:
    # a pink tricycle's deck: lit (L* 60, chroma 54), in shade (L* 42, chroma 56) and glare;
    # which of the two is 2 units more chromatic changes with phase II's grid (the flower-bed
    # tricycle was drawn Purple in one draw, Magenta in another)
    lit, shade, glare = _lab(60, 54, 338), _lab(42, 56, 345), _lab(74, 45, 339)

    def unified(margin: float) -> np.ndarray:
        pairs = (np.array([0, 0]), np.array([1, 2]), np.array([40, 40]))
        areas = np.array([4800, 3000, 3500])
        graph = RegionGraph(np.array([lit, shade, glare]), areas, pairs, np.zeros(3, np.int64))
        unify_tones(graph, 1000.0, lit_paint=True, chroma_margin=margin)
        return graph.color

    assert np.allclose(unified(0.0), shade)  # the whole deck in its shade colour
    colors = unified(0.05)
    assert np.allclose(colors[[0, 2]], lit) and np.allclose(colors[1], shade)


def _unified(colors: list, areas: list[int], edges: list[tuple[int, int]]) -> np.ndarray:
    pairs = (
        np.array([e[0] for e in edges]),
        np.array([e[1] for e in edges]),
        np.array([30] * len(edges)),
    )
    graph = RegionGraph(np.array(colors), np.array(areas), pairs, np.zeros(len(areas), np.int64))
    unify_tones(graph, 1000.0, lit_paint=True, hue_anchor=True, chroma_margin=0.05)
    return graph.color


def test_small_pieces_of_an_anchored_paint_take_its_colour_not_the_paints() -> None:
    # the tug's orange cabin keeps its orange; a lit orange piece and a shaded one lying on the
    # cabin (each under a tone's area) were recoloured the hull's red as its "highlights"
    red, link, cabin = _lab(46, 72, 34), _lab(60, 64, 45), _lab(73, 55, 60)
    lit_piece, shaded_piece = _lab(80, 50, 62), _lab(66, 57, 58)
    colors = _unified(
        [red, link, cabin, lit_piece, shaded_piece],
        [3000, 300, 2500, 400, 300],
        [(0, 1), (1, 2), (2, 3), (2, 4)],
    )
    assert np.allclose(colors[1], red)
    assert np.allclose(colors[[2, 3, 4]], cabin)


def test_a_pale_sky_reflection_is_no_anchored_paint() -> None:
    # a blue car (chroma 60) with a large pale sky reflection on its roof, 32° bluer but of a
    # third of its chroma: a highlight of the blue, not a paint of its own
    blue, link, sky = _lab(32, 60, -68), _lab(55, 35, -84), _lab(75, 22, -100)
    colors = _unified([blue, link, sky], [5000, 500, 2500], [(0, 1), (1, 2)])
    assert np.allclose(colors, blue)
