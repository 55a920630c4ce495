"""A region folded unblended into a smaller, lighter one gives the result its colour
(``phase2.flatten.darker_names``): window rules fold pieces into a "pane" keeping the pane's
colour, and which piece is the pane changes with phase II's grid. A tank destroyer's track
(pixels L* 16) became a pane of L* 32 that had taken in a larger L* 12 piece, and was drawn
grey in one redraw, black in the other."""

from __future__ import annotations

import numpy as np

from v2v.stages.stylize.regions import RegionGraph

PANE, TRACK, GLARE = (32.0, 3.0, 6.0), (12.0, 2.0, 6.0), (60.0, 0.0, 0.0)


def _graph(darker_names: bool) -> RegionGraph:
    colors = np.array([PANE, TRACK, GLARE])
    pairs = (np.array([0, 0]), np.array([1, 2]), np.array([40, 20]))
    graph = RegionGraph(colors, np.array([3755, 4121, 900]), pairs, np.zeros(3, np.int64))
    graph.darker_names = darker_names
    return graph


def test_a_larger_darker_piece_folded_into_a_pane_names_it() -> None:
    kept = _graph(darker_names=False)
    kept.merge(0, 1, blend=False)
    assert np.allclose(kept.color[0], PANE), "without the rule the track takes the pane's grey"
    named = _graph(darker_names=True)
    named.merge(0, 1, blend=False)
    assert np.allclose(named.color[0], TRACK)
    named.merge(0, 2, blend=False)  # lighter glare folded in keeps the region's colour
    assert np.allclose(named.color[0], TRACK)


def test_a_smaller_or_lighter_piece_keeps_the_receivers_colour() -> None:
    graph = _graph(darker_names=True)
    graph.merge(1, 0, blend=False)  # the lighter pane folded into the larger track
    assert np.allclose(graph.color[1], TRACK)
    graph = _graph(darker_names=True)
    # a smaller dark piece is a shadow in the pane, not the pane
    graph.area[1] = graph.own_area[1] = 1000.0
    graph.merge(0, 1, blend=False)
    assert np.allclose(graph.color[0], PANE)


def test_the_fold_order_does_not_decide_the_name() -> None:
    # the pane takes in the lighter glare first: its area grows past the track's, but the
    # pixels of its own grey do not, so the larger, darker track still names it
    for order in ((1, 2), (2, 1)):
        graph = _graph(darker_names=True)
        for piece in order:
            graph.merge(0, piece, blend=False)
        assert np.allclose(graph.color[0], TRACK), f"fold order {order}"
