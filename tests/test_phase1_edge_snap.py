"""Phase I: a bicycle's mask edge goes, pixel by pixel, to the side whose colour it is nearer
(``edge_snap.snapped_to_colours``, ``phase1.vehicle_mask.snap_edges``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.edge_snap import snapped_to_colours

DEVSET = SAMPLES.parent / "devset"
TENNIS = DEVSET / "composite_lowrider_bicycle_on_tennis-backboard.jpg"
needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="shared devset not available")
WALL, PAINT = (150, 160, 150), (200, 30, 40)


def frame() -> tuple[np.ndarray, np.ndarray]:
    """A red bar 20 px thick and a red tube 3 px thick on a grey-green wall: (rgb, truth)."""
    rgb = np.full((120, 200, 3), WALL, np.uint8)
    truth = np.zeros((120, 200), bool)
    truth[40:60, 30:170] = True
    truth[60:100, 98:101] = True
    rgb[truth] = PAINT
    return rgb, truth


def test_a_halo_of_the_wall_around_the_bar_goes() -> None:
    rgb, truth = frame()
    halo = cv2.dilate(truth.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    snapped = snapped_to_colours(rgb, halo)
    bar = np.zeros_like(truth)
    bar[30:70, 20:180] = True  # the thick bar's surroundings...
    bar[58:, 94:105] = False  # ...not where the tube joins it (too thin to have an inside)
    assert (halo & bar & ~truth).sum() > 300
    assert (snapped & bar & ~truth).sum() == 0
    assert (truth & bar & ~snapped).sum() == 0


def test_an_edge_left_out_of_the_bar_comes_back() -> None:
    rgb, truth = frame()
    thin = truth.copy()
    thin[40, :] = False  # GrabCut left the bar's top row out
    thin[:, 30] = False
    snapped = snapped_to_colours(rgb, thin)
    assert snapped[40, 32:168].all() and snapped[42:58, 30].all()


def test_a_tube_too_thin_for_an_inside_keeps_its_mask() -> None:
    """A 3 px tube has no pixel 2 px inside: its halo is not decided from its own colour."""
    rgb, truth = frame()
    halo = truth.copy()
    halo[70:90, 97:101] = True  # a pixel of halo beside the tube, far from the bar: 4 px
    snapped = snapped_to_colours(rgb, halo)
    assert (snapped[70:90] == halo[70:90]).all()


def test_an_empty_mask_stays_empty() -> None:
    rgb, _ = frame()
    empty = np.zeros(rgb.shape[:2], bool)
    assert not snapped_to_colours(rgb, empty).any()


def _mask_iou(snap: bool) -> float:
    """The tennis lowrider's mask IoU with the snap on or off; ``faint_colours`` off in both, so
    the figure is the snap's own (the faint-colour vote removes part of the same halo: with it on
    the snap gains 0.004, alone 0.009)."""
    photo = decode(TENNIS, InputConfig())
    settings = {"snap_edges": snap, "faint_colours": None}
    config = Phase1Config(vehicle_mask=settings, text_removal={"enabled": False})
    mask = ClassicalSanitizer(config).run(photo, RunContext()).vehicle_mask
    raw = cv2.imread(str(TENNIS.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    assert raw is not None
    truth = cv2.resize(raw, photo.size, interpolation=cv2.INTER_AREA) >= 128
    return float((mask & truth).sum() / (mask | truth).sum())


@needs_devset
def test_the_lowrider_by_the_tennis_backboard_loses_its_halo() -> None:
    assert _mask_iou(snap=True) >= _mask_iou(snap=False) + 0.005
