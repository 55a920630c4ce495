"""Phase I on boats: the dents saliency leaves in a hull's bottom outline are filled down to
the waterline (``waterline.py``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.test_phase1_rigid import SCHOONER, TUG_AT_NIGHT, needs_devset, sanitized, truth_iou
from v2v.artefacts import Box
from v2v.config import VehicleMaskConfig
from v2v.stages.sanitize import mask as mask_module
from v2v.stages.sanitize.mask import vehicle_mask
from v2v.stages.sanitize.waterline import fill_waterline


def hull_with_dents() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A hull (rows 100-199, its waterline at row 199) whose mask stops short of the waterline
    in two stretches, a bow rising to its tip on the right, and saliency's probability: the
    hull 0.9, its faded bottom 0.3, the water 0.02. Returns (mask, prob, truth)."""
    truth = np.zeros((260, 600), bool)
    truth[100:200, 50:500] = True
    for i, x in enumerate(range(500, 560)):  # the bow: its bottom rises 1 px a column
        truth[100 : 199 - i, x] = True
    mask = truth.copy()
    mask[194:200, 150:230] = False  # 6 px short of the waterline
    mask[197:200, 300:340] = False  # 3 px short
    prob = np.where(truth, 0.9, 0.02).astype(np.float32)
    prob[194:200, 150:230] = prob[197:200, 300:340] = 0.3
    return mask, prob, truth


def test_a_hulls_dents_are_filled_down_to_the_waterline_and_its_bow_stays() -> None:
    mask, prob, truth = hull_with_dents()
    filled = fill_waterline(mask, prob, 0.2)
    assert np.array_equal(filled, truth), "both dents filled, not a pixel of water, bow as it was"
    # the bow rises to its tip: nothing lower lies beyond it, so it is no dent
    assert not (filled & ~truth)[:, 500:].any()


def test_a_dent_over_open_water_stays_open() -> None:
    mask, prob, _ = hull_with_dents()
    prob[194:200, 150:230] = 0.02  # saliency sees nothing there: water, not a faded hull
    filled = fill_waterline(mask, prob, 0.2)
    assert not filled[194:200, 150:230].any()
    assert filled[197:200, 300:340].all()


def test_a_dent_wider_than_the_window_is_the_hulls_shape() -> None:
    mask, prob, _ = hull_with_dents()
    # 0.1 of the 510 px mask: a 51 px segment; the 80 px dent is a shape, the 40 px one a dent
    filled = fill_waterline(mask, prob, 0.1)
    assert not filled[194:200, 150:230].any()
    assert filled[197:200, 300:340].all()


def test_waterline_is_a_share_of_the_width_or_off() -> None:
    assert VehicleMaskConfig().waterline == 0.2
    assert VehicleMaskConfig(waterline=None).waterline is None
    with pytest.raises(ValueError):
        VehicleMaskConfig(waterline=0.0)


@needs_devset
def test_the_night_tugs_and_the_schooners_hulls_reach_the_waterline() -> None:
    # the tug: its hull's box is the subject since NMS orders cells by their uncapped vehicle
    # sum (issue 10, people13): 0.930 -> 0.934 without the waterline, 0.938 -> 0.942 with it
    for photo, without, with_it in ((TUG_AT_NIGHT, 0.937, 0.940), (SCHOONER, 0.944, 0.953)):
        assert truth_iou(sanitized(photo, waterline=None).vehicle_mask, photo) < without
        assert truth_iou(sanitized(photo).vehicle_mask, photo) >= with_it


def test_a_gap_between_two_pieces_stays_open() -> None:
    """A hull and a dinghy 20 px to its right over a faint scene (saliency 0.12): the columns
    between them hold no mask pixel, no bottom to lift; they stay empty, two pieces."""
    mask = np.zeros((300, 600), bool)
    mask[150:200, 50:300] = True
    mask[170:200, 320:380] = True
    prob = np.where(mask, 0.9, 0.12).astype(np.float32)
    filled = fill_waterline(mask, prob, 0.2)
    assert not filled[:, 300:320].any(), "the gap between the pieces is not filled"
    assert cv2.connectedComponents(filled.astype(np.uint8))[0] - 1 == 2
    assert not filled[:150].any(), "nothing above the hull's top joins"


def test_a_boats_grabcut_mask_is_not_filled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fill follows saliency's own mask (after edge_grow), whose fade it mends; where
    GrabCut decided, the dent in its bottom outline is its own and stays."""
    height, width = 300, 600
    hull = np.zeros((height, width), bool)
    hull[100:220, 100:500] = True
    cut = hull.copy()
    cut[214:220, 250:300] = False  # a dent 6 px deep in GrabCut's bottom outline
    prob = np.zeros((height, width), np.float32)
    prob[60:260, 60:540] = 0.9  # seen: a dent would fill

    class Seen:
        def probability(self, image: np.ndarray, side: int | None = None) -> np.ndarray:
            return cv2.resize(prob, (image.shape[1], image.shape[0]))

    monkeypatch.setattr(mask_module, "_sees_too_little", lambda *_: True)
    monkeypatch.setattr(mask_module, "grabcut_in_box", lambda *_: cut.copy())
    rgb = np.full((height, width, 3), 90, np.uint8)
    found = vehicle_mask(
        rgb, VehicleMaskConfig(), model=Seen(), subject=Box(95, 95, 505, 225), kind="boat"
    )  # type: ignore[arg-type]
    assert found.notes.get("grabcut")
    assert not found.mask[214:220, 250:300].any(), "GrabCut's dent stays"
