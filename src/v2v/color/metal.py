"""Gold and brass metal: its hues, and how its pieces link into one part (phases II and III).

A lowrider's gold fork is gold bars between small grey reflections and white glare: phase II
(``gold_tints``) and phase III (``gold_parts``) both reach a part's clear gold from a piece in
shade through such small neutral pieces, with :func:`linked_parts` over :func:`metal_links`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

FloatArray = NDArray[np.float64]
#: Gold and brass: CIELAB hues (degrees) of a chromatic metal piece.
METAL_HUES = (60.0, 105.0)
#: Gold in shade keeps at least this share of the clear gold's HSV saturation (light falling
#: off keeps it): the lowriders' shaded forks and bars keep 0.57-0.89 of it, a tank's brown
#: track beside its sand camouflage 0.40-0.45, white glare on gold about 0.2 (phase II's
#: ``gold_tints``).
SHADE_SATURATION = 0.5


def gold_hued(lab: FloatArray) -> NDArray[np.bool_]:
    """Which colours (k, 3) CIELAB have a gold or brass hue (METAL_HUES)."""
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360.0
    inside: NDArray[np.bool_] = (hue >= METAL_HUES[0]) & (hue <= METAL_HUES[1])
    return inside


def metal_links(
    chroma: FloatArray, areas: FloatArray, neutral_chroma: float, max_piece: float
) -> NDArray[np.bool_]:
    """Which pieces link the gold of one part: neutral (chroma under ``neutral_chroma``) and
    small (under ``max_piece`` of the vehicle, the sum of ``areas``): grey reflections and
    white glare between a part's gold pieces, not a tyre or a white deck."""
    small: NDArray[np.bool_] = (chroma < neutral_chroma) & (areas < max_piece * areas.sum())
    return small


def linked_parts(
    members: NDArray[np.bool_],
    pairs: NDArray[np.int64],
    extra: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Connected component per region (k,) over the ``pairs`` (m, ≥2) [first, second, ...] of
    neighbouring regions that are both ``members``, and the ``extra`` (n, 2) pairs."""
    count = len(members)
    first, second = pairs[:, 0], pairs[:, 1]
    both = members[first] & members[second]
    first, second = first[both], second[both]
    if extra is not None and len(extra):
        first = np.concatenate([first, extra[:, 0]])
        second = np.concatenate([second, extra[:, 1]])
    links = coo_matrix((np.ones(len(first)), (first, second)), shape=(count, count))
    _, component = connected_components(links, directed=False)
    return np.asarray(component, dtype=np.int64)
