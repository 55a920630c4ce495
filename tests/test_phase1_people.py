"""Phase I (CPU): people in front of the vehicle, the outline continued behind them, the row
fill that paints the vehicle back, and the cheaper saliency and ONNX settings."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from v2v.artefacts import Box, CleanImage, Photo
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.looks import COARSE_SIDE
from v2v.stages.sanitize.occluders import behind_occluders, fill_rows
from v2v.stages.sanitize.people import find_people, skin_share
from v2v.stages.sanitize.runtime import cpu_threads
from v2v.stages.sanitize.saliency import SaliencyModel

STREET_BUS = (
    Path(__file__).resolve().parents[2] / "shared/samples/pypi-yolov5_bus_street_people.jpg"
)
WINDOWS, PAINT = (40, 46, 56), (200, 30, 40)
SKIN = (200, 150, 120)


def draw_bus(person: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A red bus seen from the side (RGB uint8 (420, 720, 3)) in horizontal bands, and its true
    mask; with ``person`` someone in a grey coat stands in front, legs below the bus (x ≈ 330)."""
    image = np.full((420, 720, 3), (214, 222, 228), np.uint8)
    image[330:] = (140, 138, 132)
    image[120:150, 60:660] = (235, 235, 238)
    image[150:230, 60:660] = WINDOWS
    image[230:300, 60:660] = PAINT
    image[300:318, 60:660] = (110, 112, 118)
    truth = np.zeros(image.shape[:2], np.uint8)
    truth[120:318, 60:660] = 1
    for cx in (170, 550):
        cv2.circle(image, (cx, 312), 30, (25, 25, 28), -1)
        cv2.circle(image, (cx, 312), 12, (170, 170, 175), -1)
        cv2.circle(truth, (cx, 312), 30, 1, -1)
    if person:
        cv2.rectangle(image, (321, 280), (329, 395), (35, 35, 60), -1)
        cv2.rectangle(image, (333, 280), (341, 395), (35, 35, 60), -1)
        cv2.rectangle(image, (312, 190), (350, 285), (90, 84, 80), -1)
        cv2.circle(image, (331, 172), 15, SKIN, -1)
    noise = np.random.default_rng(3).normal(0, 3, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8), truth.astype(bool)


def sanitize(rgb: np.ndarray, **settings: object) -> CleanImage:
    """Phase I with the people heuristics that run without the detector (switched off here:
    a drawn bus is no photo, and these tests are about the heuristics)."""
    config = Phase1Config(
        text_removal={"enabled": False}, vehicle_mask=settings, detector={"enabled": False}
    )
    photo = Photo(rgb, (rgb.shape[1], rgb.shape[0]))
    return ClassicalSanitizer(config).run(photo, RunContext())


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


def near(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: float = 25) -> bool:
    return bool(np.abs(pixels.reshape(-1, 3).mean(axis=0) - colour).max() < tolerance)


def test_person_in_front_of_a_drawn_bus_is_removed_and_the_bands_continue() -> None:
    rgb, truth = draw_bus()
    clean = sanitize(rgb)
    people = [r for r in clean.removals if r.kind == "person"]
    assert len(people) == 1 and people[0].box.x0 <= 312 and people[0].box.x1 >= 350
    assert not clean.vehicle_mask[345:].any()  # below the wheels: the legs are gone
    assert iou(clean.vehicle_mask, truth) >= 0.9
    assert near(clean.pixels[160:185, 320:342], WINDOWS)  # head and coat: the window band
    assert near(clean.pixels[240:280, 315:348], PAINT)  # coat below: the red paint band
    untouched = ~clean.removed_mask
    assert np.array_equal(clean.pixels[untouched], rgb[untouched])
    assert any("person(s) standing in front" in s for s in clean.limitations)


def test_nothing_is_looked_for_without_legs_and_the_switch_turns_it_off() -> None:
    rgb, _ = draw_bus(person=False)
    clean = sanitize(rgb)
    assert clean.notes["people"] == [] and "people" not in clean.notes["timings"]
    assert np.array_equal(clean.pixels, rgb)
    with_person, _ = draw_bus()
    kept = sanitize(with_person, remove_people=False)
    assert not any(r.kind == "person" for r in kept.removals)
    assert kept.vehicle_mask[200:280, 315:348].all()  # the coat stays, as before
    assert np.array_equal(kept.pixels, with_person)


def test_fill_rows_continues_horizontal_bands_past_a_logo() -> None:
    rgb = np.zeros((60, 300, 3), np.uint8)
    rgb[:20], rgb[20:40], rgb[40:] = (230, 230, 230), WINDOWS, PAINT
    rgb[20:40, 150:160] = (255, 255, 255)  # a small logo just right of the hole
    rgb[5:55, 100:150] = SKIN  # the person
    hole = np.zeros(rgb.shape[:2], bool)
    hole[5:55, 100:150] = True
    filled = fill_rows(rgb, hole, ~hole)
    assert near(filled[8:18, 100:150], (230, 230, 230), 3)
    assert near(filled[24:36, 100:150], WINDOWS, 10)  # the logo does not streak across
    assert near(filled[44:52, 100:150], PAINT, 3)
    assert np.array_equal(filled[~hole], rgb[~hole])
    one_sided = fill_rows(rgb[:, 100:], hole[:, 100:], ~hole[:, 100:])  # none known left
    assert near(one_sided[44:52, :50], PAINT, 3)


def test_fill_rows_falls_back_to_columns_where_a_row_has_no_vehicle() -> None:
    rgb = np.zeros((40, 40, 3), np.uint8)
    rgb[:, :] = PAINT
    hole = np.zeros(rgb.shape[:2], bool)
    hole[10:20, :] = True  # whole rows hidden
    filled = fill_rows(rgb, hole, ~hole)
    assert near(filled[10:20], PAINT, 1)


def test_outline_is_continued_behind_an_occluder() -> None:
    vehicle = np.zeros((200, 300), bool)
    vehicle[50:150, 20:280] = True
    vehicle[20:190, 130:160] = True  # a person sticking out above and below the body
    person = np.zeros_like(vehicle)
    person[15:195, 125:165] = True
    out = behind_occluders(vehicle, person)
    assert out[50:150, 20:280].all()  # the body behind the person stays vehicle
    assert not out[:50].any() and not out[150:].any()  # what sticks out is gone
    frame = Box(0, 0, 300, 170)  # a hint box that clips the person's legs
    clipped = vehicle.copy()
    clipped[170:] = False
    assert not behind_occluders(clipped, person, frame)[150:].any()
    assert np.array_equal(behind_occluders(vehicle, np.zeros_like(vehicle)), vehicle)


def test_legs_alone_make_a_person_only_when_thin() -> None:
    rgb, _ = draw_bus()
    vehicle = np.zeros(rgb.shape[:2], bool)
    vehicle[120:318, 60:660] = True
    (person,) = find_people(rgb, vehicle, [Box(321, 319, 341, 396)])
    assert person.evidence == "legs" and person.region[175, 331] and person.region[300, 315]
    assert find_people(rgb, vehicle, [Box(300, 319, 360, 396)]) == []  # a post, as wide
    assert find_people(rgb, vehicle, []) == []
    vehicle[318:400, 500:600] = True  # part of the vehicle reaches lower than the "feet"
    assert find_people(rgb, vehicle, [Box(321, 319, 341, 396)]) == []


def test_skin_share_tells_faces_from_wheels() -> None:
    face = np.zeros((40, 40, 3), np.uint8)
    face[:] = SKIN
    wheel = np.full((40, 40, 3), 30, np.uint8)
    assert skin_share(face, Box(0, 0, 40, 40)) > 0.9
    assert skin_share(wheel, Box(0, 0, 40, 40)) == 0.0


@pytest.mark.skipif(not STREET_BUS.is_file(), reason="shared samples not available")
def test_pedestrians_in_front_of_the_street_bus_are_removed() -> None:
    photo = decode(STREET_BUS, InputConfig())
    clean = ClassicalSanitizer(Phase1Config()).run(photo, RunContext())
    assert clean.notes["subject"]["class"] == "bus"
    found = [p for p in clean.notes["people"] if p["evidence"] == "detected person"]
    boxes = [p["box"] for p in found]
    # the two men facing the camera, each found by the detector
    assert any(b[0] < 120 < b[2] and b[1] < 450 for b in boxes)
    assert any(b[0] < 270 < b[2] and b[1] < 450 for b in boxes)
    assert len([r for r in clean.removals if r.kind == "person"]) == len(found)
    assert not clean.vehicle_mask[760:].any()  # no legs or feet below the bus
    for person in found:
        x0, y0, x1, _ = person["box"]
        head = clean.pixels[y0 + 30 : y0 + 60, (x0 + x1) // 2 - 10 : (x0 + x1) // 2 + 10]
        assert skin_share(np.ascontiguousarray(head), Box(0, 0, 20, 30)) < 0.2


def test_coarse_saliency_look_still_finds_the_vehicle() -> None:
    rgb, truth = draw_bus(person=False)
    coarse = SaliencyModel.shared().probability(rgb, COARSE_SIDE)
    assert coarse.shape == truth.shape and coarse.dtype == np.float32
    assert iou(coarse >= 0.5, truth) >= 0.8
    assert 1 <= cpu_threads() <= 2
