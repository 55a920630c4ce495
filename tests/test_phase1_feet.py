"""Phase I: a person or animal the detector boxes over a vehicle is cut out only when it stands
in front of it, its feet as low as the wheels beside it (``detector.feet_reach``)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_phase1_rigid import DEVSET, needs_devset, truth_iou
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.occluders import stands_in_front

TRAIN_ON_ROUTE66 = DEVSET / "composite_freight_train_on_route66.jpg"


def wagon_with_a_bogie() -> np.ndarray:
    """A wagon's side (rows 100..200) on a 300 x 800 picture, a bogie under its sill (rows
    200..240) 30 px in from its right end, and its dark open end (the last 25 px of the body,
    which a detector reads as a person)."""
    vehicle = np.zeros((300, 800), bool)
    vehicle[100:200, 100:700] = True
    vehicle[200:240, 600:670] = True  # the bogie, lower than the sill
    return vehicle


def test_a_box_ending_at_the_sill_beside_a_lower_wheel_is_part_of_the_vehicle() -> None:
    vehicle = wagon_with_a_bogie()
    open_end = Box(675, 120, 700, 200)  # reaches the sill in its own columns, not the bogie
    assert stands_in_front(open_end, vehicle, 0.05)  # its own columns only: cut out
    assert not stands_in_front(open_end, vehicle, 0.05, 0.5)  # the bogie beside it counts
    # someone in front stands lower than the bogie: still cut out
    walker = Box(680, 110, 720, 250)
    legs = vehicle.copy()
    legs[200:250, 690:710] = True  # saliency took their legs in
    assert stands_in_front(walker, legs, 0.05, 0.5)
    # a wheel farther than the reach (half the vehicle's height, 70 px) does not count
    far_end = Box(200, 120, 225, 200)
    assert stands_in_front(far_end, vehicle, 0.05, 0.5)


@needs_devset
@pytest.mark.parametrize("reach", [0.5, 0.0])
def test_the_route66_gondolas_open_end_is_not_cut_out_as_a_person(reach: float) -> None:
    config = Phase1Config(text_removal={"enabled": False}, detector={"feet_reach": reach})
    photo = decode(TRAIN_ON_ROUTE66, InputConfig())
    clean = ClassicalSanitizer(config).run(photo, RunContext())
    persons = [p for p in clean.notes["people"] if p["evidence"] == "detected person"]
    if reach:  # the "person" (score 0.32) ends at the sill, the bogie beside it goes lower
        assert persons == []
    else:  # its own columns only: cut out, and painted over with the wagon's colours
        assert len(persons) == 1
    # the box lies mostly over the dark scene seen through the open end, which the mask takes
    # in either way (cut, the outline continued behind it takes in less: 0.9145 against 0.9133)
    assert truth_iou(clean.vehicle_mask, TRAIN_ON_ROUTE66) >= 0.91


def test_a_nearer_figure_beside_a_child_in_front_is_no_wheel() -> None:
    # a car (rows 100..300, wheels to row 299), a child in front between its wheels, feet at
    # row 329; the mask took in the legs of an adult, or a lying dog, nearer the camera beside
    vehicle = np.zeros((400, 1000), bool)
    vehicle[100:260, 100:800] = True
    vehicle[260:300, 150:260] = vehicle[260:300, 640:750] = True
    vehicle[300:330, 420:440] = True  # the child's legs
    child = Box(400, 150, 460, 330)
    for beside, figure in (
        (np.s_[300:380, 520:540], Box(500, 80, 560, 380)),
        (np.s_[330:370, 470:560], Box(465, 325, 565, 372)),
    ):
        mask = vehicle.copy()
        mask[beside] = True
        assert not stands_in_front(child, mask, 0.05, 0.5)  # their feet read as wheels
        assert stands_in_front(child, mask, 0.05, 0.5, [figure])
        assert stands_in_front(figure, mask, 0.05, 0.5, [child])  # the nearer one too
