"""Phase I on long vehicles: the scene seen down into a gap between wagons from above the roof
line goes from the mask, even where its colours are the wagons' (``roof_gaps.py``)."""

from __future__ import annotations

import numpy as np

from tests.test_phase1_rigid import DEVSET, needs_devset, sanitized, truth_iou
from v2v.config import VehicleMaskConfig
from v2v.stages.sanitize.long_vehicle import between_and_below_wagons
from v2v.stages.sanitize.roof_gaps import roof_gaps

SKY, GRASS = (90, 160, 200), (60, 140, 50)
RED_WAGON = (110, 40, 45)
TRAIN_ON_DRIVEWAY = DEVSET / "composite_freight_train_on_driveway.jpg"
TRAIN_ON_ROUTE66 = DEVSET / "composite_freight_train_on_route66.jpg"
TRAIN_ON_PARKING_RAMP = DEVSET / "composite_freight_train_on_parking-ramp.jpg"
TRAIN_ON_PLAYING_FIELD = DEVSET / "composite_freight_train_on_playing-field.jpg"


def wagons_with_a_gap() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three wagons (rows 100-180) under a blue sky on grass, 300 x 900. Between the first two
    (columns 310-324) the scene shows: the sky down to row 150, then a dark red tree in the
    red wagon's colour (no colour test can tell it) and a dark coupling bar (rows 168-180,
    part of the train). Returns the picture, the true mask and the gap (bool)."""
    rng = np.random.default_rng(3)
    rgb = np.zeros((300, 900, 3), np.float64)
    rgb[:150], rgb[150:] = SKY, GRASS
    truth = np.zeros((300, 900), bool)
    for x0, x1, colour in (
        (100, 310, (150, 110, 95)),
        (324, 540, RED_WAGON),
        (540, 750, (180, 180, 170)),
    ):
        rgb[100:180, x0:x1] = colour
        truth[100:180, x0:x1] = True
    gap = np.zeros_like(truth)
    gap[100:168, 310:324] = True
    rgb[150:168, 310:324] = RED_WAGON  # the tree behind the coupling
    rgb[168:180, 310:324] = (40, 40, 40)  # the coupling bar
    truth[168:180, 310:324] = True
    noisy = np.clip(rgb + rng.normal(0, 3, rgb.shape), 0, 255).astype(np.uint8)
    return noisy, truth, gap


def test_the_scene_seen_down_into_a_gap_from_above_the_roof_goes() -> None:
    rgb, truth, gap = wagons_with_a_gap()
    found = roof_gaps(rgb, truth | gap, 0.05)  # saliency bridged the gap up to the roof line
    assert found[gap].mean() > 0.8, "the sky and the tree between the wagons go"
    assert not found[truth].any(), "the wagons and the coupling bar stay"
    assert not roof_gaps(rgb, truth | gap, 0.7)[gap].any()  # the sky shows 50 of its 80 rows


def test_a_roof_rail_in_the_skys_colour_is_no_gap() -> None:
    rgb, truth, gap = wagons_with_a_gap()
    rgb[100:103, 600:612] = SKY  # a thin rail the sky's colour; the wagon's side below it
    found = roof_gaps(rgb, truth | gap, 0.05)
    assert not found[:, 560:750].any(), "a thin rail is no gap: the wagon's side is below it"
    assert found[gap].mean() > 0.8


def test_a_long_roof_in_the_skys_colour_broken_by_fittings_is_no_gap() -> None:
    rgb, truth, gap = wagons_with_a_gap()
    rgb[100:115, 560:730] = SKY  # a pale tank's upper side under a pale sky
    for x in range(570, 730, 12):
        rgb[100:115, x : x + 2] = (40, 40, 40)  # dark fittings every 12 px break it into runs
    found = roof_gaps(rgb, truth | gap, 0.05)
    assert not found[:, 556:750].any(), "no roof between the fittings goes"
    assert found[gap].mean() > 0.8


def test_the_end_of_the_train_is_no_gap_between_wagons() -> None:
    rgb, truth, _ = wagons_with_a_gap()
    rgb[100:150, 736:750] = SKY  # the last wagon's open end shows the sky
    assert not roof_gaps(rgb, truth, 0.05)[:, 700:750].any()


def test_only_wheeled_long_vehicles_lose_roof_gaps() -> None:
    rgb, truth, gap = wagons_with_a_gap()
    alone = VehicleMaskConfig(gaps=None, coupling_gaps=None, underside=None)
    train = between_and_below_wagons(rgb, truth | gap, alone, wheeled=True)
    assert train[gap].mean() < 0.2, "a train's gap goes"
    hull = between_and_below_wagons(rgb, truth | gap, alone, wheeled=False)
    assert hull[gap].all(), "a hull is one piece: the deck between superstructures stays"
    off = VehicleMaskConfig(gaps=None, coupling_gaps=None, underside=None, roof_gaps=None)
    assert between_and_below_wagons(rgb, truth | gap, off)[gap].all()


@needs_devset
def test_the_gaps_of_the_trains_on_the_driveway_and_route66_open() -> None:
    # mask IoU (bench_mask): driveway 0.921 -> 0.937, route66 0.906 -> 0.922
    for photo in (TRAIN_ON_DRIVEWAY, TRAIN_ON_ROUTE66):
        opened = truth_iou(sanitized(photo).vehicle_mask, photo)
        bridged = truth_iou(sanitized(photo, roof_gaps=None).vehicle_mask, photo)
        assert opened > bridged + 0.01, (photo.name, bridged, opened)
    for photo in (TRAIN_ON_PARKING_RAMP, TRAIN_ON_PLAYING_FIELD):  # no wagon roof goes
        opened = truth_iou(sanitized(photo).vehicle_mask, photo)
        bridged = truth_iou(sanitized(photo, roof_gaps=None).vehicle_mask, photo)
        assert opened >= bridged, (photo.name, bridged, opened)
