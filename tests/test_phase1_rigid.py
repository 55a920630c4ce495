"""Phase I on rigid vehicles (trains, tanks, boats, aircraft): what the detector boxes on the
vehicle is not cut from it, and the mask follows the vehicle's own shape."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.long_vehicle import continue_in_line
from v2v.stages.sanitize.occluders import stands_in_front

DEVSET = SAMPLES.parent / "devset"
TANK_ON_HILL = DEVSET / "composite_ww2_tank_destroyer_on_hill.jpg"
TRAIN_ON_HAY_FIELD = DEVSET / "composite_freight_train_on_hay_field.jpg"
needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="shared devset not available")


def truth_iou(mask: np.ndarray, photo: Path) -> float:
    """IoU of a working-size mask against the photo's true mask (at the truth's size)."""
    truth = cv2.imread(str(photo.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE) > 127
    size = (truth.shape[1], truth.shape[0])
    found = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    return float((found & truth).sum() / max(1, (found | truth).sum()))


def test_a_figure_stands_in_front_only_when_no_vehicle_shows_below_it() -> None:
    vehicle = np.zeros((400, 600), bool)
    vehicle[100:300, 100:500] = True  # a hull
    vehicle[250:340, 100:180] = vehicle[250:340, 420:500] = True  # tracks, lower than the hull
    on_the_hull = Box(200, 150, 440, 295)  # ends 45 px above the right track's bottom
    assert not stands_in_front(on_the_hull, vehicle, 0.05)
    # the slack: a box ending within it of the lowest pixel counts as standing in front
    assert stands_in_front(on_the_hull, vehicle, 0.2)
    walker = Box(250, 180, 300, 360)  # legs below the hull: saliency took them in
    vehicle[300:360, 260:290] = True
    assert stands_in_front(walker, vehicle, 0.05)
    beside = Box(520, 200, 580, 330)  # no vehicle in its columns
    assert stands_in_front(beside, vehicle, 0.05)


@needs_devset
def test_camouflage_read_as_a_person_is_not_cut_from_the_tank() -> None:
    photo = decode(TANK_ON_HILL, InputConfig())
    clean = ClassicalSanitizer(Phase1Config(text_removal={"enabled": False})).run(
        photo, RunContext()
    )
    assert clean.notes["people"] == []  # the detector boxes a "person" on the front plate
    assert truth_iou(clean.vehicle_mask, TANK_ON_HILL) >= 0.95  # 0.88 with the plate cut


def wagons_in_a_field() -> tuple[np.ndarray, np.ndarray]:
    """Three wagons in a row on a 300 x 900 picture (sky above, a field below, a tree just past
    the end of the train) and the true mask of the wagons (bool)."""
    rng = np.random.default_rng(5)
    rgb = np.zeros((300, 900, 3), np.float64)
    rgb[:150], rgb[150:] = (90, 160, 200), (200, 170, 60)  # sky, field
    rgb[100:170, 756:800] = (30, 70, 30)  # a tree beside the track
    truth = np.zeros((300, 900), bool)
    for x0, colour in ((100, (150, 120, 115)), (320, (110, 40, 45)), (540, (150, 120, 115))):
        rgb[120:180, x0 : x0 + 210] = colour
        truth[120:180, x0 : x0 + 210] = True
    noisy = np.clip(rgb + rng.normal(0, 4, rgb.shape), 0, 255).astype(np.uint8)
    return noisy, truth


def test_a_long_vehicle_is_continued_where_its_box_goes_on_past_the_mask() -> None:
    rgb, truth = wagons_in_a_field()
    seen = truth.copy()
    seen[:, 530:] = False  # saliency gave up on the third wagon
    bound = Box(0, 100, 900, 200)
    whole = continue_in_line(rgb, seen, Box(100, 120, 750, 180), bound, 4.0)
    assert whole[truth].mean() > 0.97, "the third wagon across the coupling joins"
    assert whole[~truth].sum() < 0.01 * truth.sum(), "no sky, field or tree"
    # the box ends where the mask ends: nothing to continue
    assert (continue_in_line(rgb, seen, Box(100, 120, 530, 180), bound, 4.0) == seen).all()
    # a mask under four times as wide as tall is no long vehicle
    one = truth & (np.arange(900) < 310)[None, :]
    assert (continue_in_line(rgb, one, Box(100, 120, 750, 180), bound, 4.0) == one).all()


@needs_devset
def test_the_hay_field_trains_third_wagon_behind_the_horse_is_found() -> None:
    photo = decode(TRAIN_ON_HAY_FIELD, InputConfig())
    clean = ClassicalSanitizer(Phase1Config(text_removal={"enabled": False})).run(
        photo, RunContext()
    )
    assert truth_iou(clean.vehicle_mask, TRAIN_ON_HAY_FIELD) >= 0.85  # 0.63 without
    off = Phase1Config(text_removal={"enabled": False}, vehicle_mask={"long_aspect": None})
    alone = ClassicalSanitizer(off).run(photo, RunContext())
    assert truth_iou(alone.vehicle_mask, TRAIN_ON_HAY_FIELD) < 0.7
