"""Phase II stays put when phase I's mask moves a pixel (``phase2.flatten.stable_grid``).

Without the stable grid, the crop's scale followed the mask's bounding box: taking the lowest
pixel off the desert airliner's mask (phase I's, at the working size) moved the resampling grid
of the whole crop and redrew 95 % of its phase II pixels (the blue tail turned teal and black).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import CleanImage
from v2v.color.ciede2000 import rgb_to_lab
from v2v.config import Phase2Config, load_config
from v2v.context import RunContext
from v2v.stages.stylize.classical import ClassicalStylizer
from v2v.stages.stylize.grid import ladder_scale, stable_grid

AIRLINER = SAMPLES.parent / "devset" / "composite_airliner_on_gravel-desert.jpg"
needs_devset = pytest.mark.skipif(not AIRLINER.is_file(), reason="shared devset not available")


def _less_lowest_row(mask: np.ndarray) -> np.ndarray:
    """The mask less the pixels of its lowest row (a few: the box loses that row)."""
    less = mask.copy()
    less[np.nonzero(mask.any(axis=1))[0][-1]] = False
    return less


def _changed(stable: bool) -> tuple[float, float]:
    """Share of the airliner's phase II pixels that change by more than 2 ΔE76 when its true
    mask loses its lowest row of pixels, and the largest change of the median colour (ΔE76)."""
    photo = np.asarray(
        cv2.cvtColor(np.asarray(cv2.imread(str(AIRLINER))), cv2.COLOR_BGR2RGB), np.uint8
    )
    truth = np.asarray(cv2.imread(str(AIRLINER.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE))
    mask = cv2.resize(truth, photo.shape[1::-1], interpolation=cv2.INTER_NEAREST) > 127
    less = _less_lowest_row(mask)
    assert 0 < (mask & ~less).sum() <= 10
    phase2 = load_config(overrides={"phase2.flatten.stable_grid": stable}).phase2
    assert isinstance(phase2, Phase2Config)
    stylizer = ClassicalStylizer(phase2)
    labs = [
        rgb_to_lab(stylizer.run(CleanImage(photo, m, np.zeros_like(m)), RunContext()).pixels)[less]
        for m in (mask, less)
    ]
    distance = np.linalg.norm(labs[0] - labs[1], axis=-1)
    return float((distance > 2.0).mean()), float(
        np.linalg.norm(np.median(labs[0], axis=0) - np.median(labs[1], axis=0))
    )


@needs_devset
def test_one_mask_pixel_changes_the_airliner_only_locally() -> None:
    share, median_shift = _changed(stable=True)
    assert share < 0.02
    assert median_shift < 1.0


@needs_devset
def test_without_the_stable_grid_one_pixel_redraws_the_airliner() -> None:
    share, _ = _changed(stable=False)
    assert share > 0.1


def test_the_scale_comes_from_a_ladder_and_the_crop_from_the_whole_shrunk_photo() -> None:
    assert ladder_scale(500, 512) == 1.0
    assert ladder_scale(800, 512) == ladder_scale(803, 512) == 2 ** (-5 / 8)
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (900, 1200, 3), dtype=np.uint8)
    mask = np.zeros((900, 1200), bool)
    mask[200:700, 150:1100] = True
    less = mask.copy()
    less[699, 150:1099] = False  # the box loses its lowest row and keeps one pixel of it
    grids = [
        stable_grid(photo, m, (slice(180, 720), slice(130, 1120 - i)), 512, 600)
        for i, m in enumerate((mask, less))
    ]
    assert grids[0].origin == grids[1].origin and grids[0].step == grids[1].step
    assert np.array_equal(grids[0].small, grids[1].small)
    assert grids[0].small.shape[0] % grids[0].step == 0
