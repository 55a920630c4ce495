"""Phase I on long vehicles: the scene seen down into a gap between wagons from above the roof
line goes from the mask, even where its colours are the wagons' (``roof_gaps.py``)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

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


def test_a_roof_rail_in_the_skys_colour_over_a_dark_door_is_no_gap() -> None:
    rgb, truth, gap = wagons_with_a_gap()
    rgb[100:104, 420:432] = SKY  # four rows of rail the sky's colour, then not the scene:
    rgb[104:164, 420:432] = (40, 40, 40)  # a dark door, unlike the wagon's side beside it
    found = roof_gaps(rgb, truth | gap, 0.1)
    assert not found[:, 330:540].any(), "the sky's colour goes 4 rows down, not 8"
    assert found[gap].mean() > 0.8


@pytest.mark.parametrize(("wide", "every"), [(2, 12), (4, 16), (6, 20), (8, 20), (10, 28)])
def test_a_long_roof_in_the_skys_colour_broken_by_fittings_is_no_gap(wide: int, every: int) -> None:
    rgb, truth, gap = wagons_with_a_gap()
    rgb[100:115, 560:730] = SKY  # a pale tank's upper side under a pale sky
    for x in range(570, 730, every):
        rgb[100:115, x : x + wide] = (40, 40, 40)  # dark fittings break it into runs
    found = roof_gaps(rgb, truth | gap, 0.05)
    assert not found[:, 556:750].any(), "no roof between the fittings goes"
    assert found[gap].mean() > 0.8


def open_recess(rgb: np.ndarray, x0: int, x1: int, wide: int = 14) -> None:
    """Paints, at columns x0:x0+wide of the picture of ``wagons_with_a_gap``, what the gap
    there shows: the sky down to row 150, then a dark tree down to the coupling bar's row."""
    rgb[100:150, x0 : x0 + wide] = SKY
    rgb[150:168, x0 : x0 + wide] = (30, 60, 30)


@pytest.mark.parametrize("x0", [716, 736, 610])
def test_an_opening_less_than_a_wagon_from_the_end_is_no_gap_between_wagons(x0: int) -> None:
    # 716: 20 px (a quarter of the height) of wagon beyond it; 610: 126 px (1.6 heights), less
    # than a wagon's length: the last piece of a vehicle, not a wagon beyond a coupling
    rgb, truth, gap = wagons_with_a_gap()
    open_recess(rgb, x0, x0 + 14)
    found = roof_gaps(rgb, truth | gap, 0.05)
    assert not found[:, 560:750].any()
    assert found[gap].mean() > 0.8


def test_a_band_wider_than_a_coupling_gap_is_no_gap() -> None:
    rgb, truth, gap = wagons_with_a_gap()
    open_recess(rgb, 400, 440, wide=40)  # half the height wide: an open-top wagon, no coupling
    found = roof_gaps(rgb, truth | gap, 0.05)
    assert not found[:, 330:540].any()
    assert found[gap].mean() > 0.8


def test_a_roof_unit_in_the_skys_colour_has_the_body_under_it() -> None:
    # a tram under an overcast sky: pale roof units the sky's grey, the red body going on
    # under them (the body in the unit's columns is the body beside it)
    rng = np.random.default_rng(5)
    rgb = np.zeros((360, 1200, 3))
    rgb[:200], rgb[200:] = (200, 202, 208), (120, 118, 110)
    truth = np.zeros((360, 1200), bool)
    rgb[130:210, 100:1100], truth[130:210, 100:1100] = (170, 30, 40), True
    rgb[130:136, 100:1100] = (60, 60, 65)  # the roof line
    for x0 in (380, 760):
        rgb[117:130, x0 : x0 + 14], truth[117:130, x0 : x0 + 14] = (192, 194, 198), True
    noisy = np.clip(rgb + rng.normal(0, 2, rgb.shape), 0, 255).astype(np.uint8)
    assert not roof_gaps(noisy, truth, 0.05).any()


def test_roofs_at_different_levels_are_not_two_wagons() -> None:
    # a low nose beside a tall cockpit (an open-wheel racing car's profile), not two wagons
    rgb, truth, gap = wagons_with_a_gap()
    truth[100:130, 100:310] = False
    rgb[100:130, 100:310] = SKY  # the first piece's roof 30 rows (0.375 of the height) lower
    assert not roof_gaps(rgb, truth | gap, 0.05).any()


def test_a_detached_piece_below_the_train_leaves_the_coupling_bar() -> None:
    rgb, truth, gap = wagons_with_a_gap()
    below = np.zeros_like(truth)
    below[190:196, 100:750] = True  # a kept strip of rail or platform edge below the train
    found = roof_gaps(rgb, truth | gap | below, 0.05)
    assert not found[truth | below].any(), "the coupling bar and the strip stay"
    assert found[gap].mean() > 0.8


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_the_gap_goes_at_other_picture_sizes(scale: float) -> None:
    rgb, truth, gap = wagons_with_a_gap()

    def resized(image: np.ndarray) -> np.ndarray:
        return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)

    small_truth, small_gap = resized(truth.astype(np.uint8)) > 0, resized(gap.astype(np.uint8)) > 0
    found = roof_gaps(resized(rgb), small_truth | small_gap, 0.05)
    assert found[small_gap].mean() > 0.8
    assert not found[small_truth].any()


def test_the_depth_setting_is_bounded() -> None:
    # 0 would take a candidate with no rows in the scene's colour; over half the height is
    # never met (the depth is looked for in the top half): neither is a setting
    assert VehicleMaskConfig(roof_gaps=0.01).roof_gaps == 0.01
    for wrong in (0.0, 0.6):
        with pytest.raises(ValidationError):
            VehicleMaskConfig(roof_gaps=wrong)


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
