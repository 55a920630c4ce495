"""Phase I: an animal in front of a vehicle that is not a bicycle is cut out as GrabCut's figure
and the salient object of a crop around its box together (``detector.animal_union``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.test_phase1_rigid import TRAIN_ON_HAY_FIELD, needs_devset, truth_iou
from v2v.artefacts import Box, CleanImage, Photo
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize import animals
from v2v.stages.sanitize.animals import ANIMAL_LOOKS
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.detector import Detection
from v2v.stages.sanitize.mask import VehicleMask
from v2v.stages.sanitize.maskops import grow_with_slack
from v2v.stages.sanitize.subject import Subject

TANK_IN_THE_VILLAGE = TRAIN_ON_HAY_FIELD.parent / "composite_ww2_tank_destroyer_on_village.jpg"


def sanitized(photo: Path, union: bool) -> CleanImage:
    """Phase I (text removal off) on a shared photo, ``detector.animal_union`` as given."""
    config = Phase1Config(text_removal={"enabled": False}, detector={"animal_union": union})
    return ClassicalSanitizer(config).run(decode(photo, InputConfig()), RunContext())


def test_animal_union_is_on_by_default() -> None:
    assert Phase1Config().detector.animal_union


@needs_devset
def test_the_horses_head_in_front_of_the_hay_field_train_is_cut_out() -> None:
    # GrabCut's figure left the horse's brown head, seen against the red wagon, to the wagon
    grabcut = sanitized(TRAIN_ON_HAY_FIELD, union=False).vehicle_mask
    both = sanitized(TRAIN_ON_HAY_FIELD, union=True).vehicle_mask
    assert truth_iou(grabcut, TRAIN_ON_HAY_FIELD) < 0.890  # 0.885
    assert truth_iou(both, TRAIN_ON_HAY_FIELD) >= 0.897  # 0.901
    assert both.sum() < grabcut.sum()


@needs_devset
def test_the_cow_beside_the_tank_is_cut_as_before() -> None:
    # its GrabCut figure already holds the salient object's pixels: the union changes nothing
    grabcut = sanitized(TANK_IN_THE_VILLAGE, union=False).vehicle_mask
    both = sanitized(TANK_IN_THE_VILLAGE, union=True).vehicle_mask
    before, after = truth_iou(grabcut, TANK_IN_THE_VILLAGE), truth_iou(both, TANK_IN_THE_VILLAGE)
    assert abs(after - before) < 0.002


class _Blind:
    """A saliency model that sees nothing and counts its looks."""

    def __init__(self) -> None:
        self.looks = 0

    def probability(self, crop: np.ndarray, side: int | None = None) -> np.ndarray:
        self.looks += 1
        return np.zeros(crop.shape[:2], np.float32)


def _counted(monkeypatch: pytest.MonkeyPatch) -> tuple[_Blind, list[Box]]:
    """Saliency blind and counting its looks; GrabCut's figure counting the boxes it runs on."""
    blind, grabcuts = _Blind(), []
    original = animals.figure_in_box

    def figure_in_box(rgb: np.ndarray, box: Box) -> np.ndarray:
        grabcuts.append(box)
        return original(rgb, box)

    monkeypatch.setattr(animals, "figure_in_box", figure_in_box)
    monkeypatch.setattr(animals.SaliencyModel, "shared", staticmethod(lambda: blind))
    return blind, grabcuts


def test_a_look_that_sees_no_animal_reuses_grabcuts_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    blind, grabcuts = _counted(monkeypatch)
    rgb = np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    rgb[100:200, 150:250] = (120, 80, 40)
    box = Box(140, 90, 260, 210)
    region = animals.figure_region(rgb, "dog", box, salient=False, both=True)
    assert blind.looks == 1 and grabcuts == [box], "GrabCut ran once, its figure reused"
    assert region.any()


def _people_at_a_truck(seed: int, animals: list[Detection]) -> object:
    """Phase I's figure cuts for ``animals`` around a truck (mask x 100-420, y 100-300) in a
    600 × 400 noise photo, with ``animal_union`` on."""
    rgb = np.random.default_rng(seed).integers(0, 255, (400, 600, 3), dtype=np.uint8)
    mask = np.zeros((400, 600), bool)
    mask[100:300, 100:420] = True
    frame = Box(80, 80, 540, 320)
    truck = Detection("truck", 0.9, frame)
    subject = Subject(frame, 1, "detected", (truck,))
    config = Phase1Config(detector={"animal_union": True})
    _, people = ClassicalSanitizer(config)._detected_people(
        Photo(rgb, (600, 400)), VehicleMask(mask, "test"), subject, [truck, *animals]
    )
    return people


def test_the_extra_looks_go_to_the_largest_animals_over_the_vehicle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Five cows standing in front of a truck and one beside it: the ANIMAL_LOOKS largest of
    the five get the saliency look; the one whose box misses the truck's mask gets nothing."""
    blind, grabcuts = _counted(monkeypatch)
    cows = [
        Detection("cow", 0.8, Box(110 + 60 * i, 250 - 8 * i, 150 + 60 * i, 310)) for i in range(5)
    ]
    beside = Detection("cow", 0.8, Box(470, 250, 520, 310))
    people = _people_at_a_truck(1, [*cows, beside])
    assert ANIMAL_LOOKS == 3 and blind.looks == ANIMAL_LOOKS
    assert len(grabcuts) == len(cows), "no GrabCut on the cow beside the truck"
    assert all(g.x0 < 440 for g in grabcuts)
    assert people


def test_animals_beside_the_vehicle_do_not_use_up_the_looks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three big horses in the detected box but beside the truck's mask, and a small dog over
    the truck: the looks are chosen among the animals over the vehicle, so the dog gets one."""
    blind, grabcuts = _counted(monkeypatch)
    horses = [Detection("horse", 0.8, Box(430 + 5 * i, 150, 535, 318)) for i in range(3)]
    dog = Detection("dog", 0.8, Box(200, 250, 240, 300))
    _people_at_a_truck(2, [*horses, dog])
    assert blind.looks == 1, "the dog over the truck was given the look"
    assert len(grabcuts) == 1 and grabcuts[0].x0 < 420


def test_only_the_salient_pieces_at_grabcuts_figure_join_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Saliency in the animal's box sees its head (GrabCut's figure lost it, against the
    wagon) and, apart from it, a bright part of the vehicle: the head joins the figure, the
    vehicle's part stays the vehicle's."""
    rgb = np.zeros((300, 400, 3), np.uint8)
    box = Box(100, 100, 300, 260)
    body = np.zeros((300, 400), bool)
    body[160:240, 140:220] = True
    head, part = np.zeros_like(body), np.zeros_like(body)
    head[130:162, 200:240] = True  # touches the body
    part[120:200, 260:290] = True  # 40 px from it: a lamp on the wagon
    prob = np.where(body | head | part, 0.9, 0.0).astype(np.float32)

    area = grow_with_slack(box, animals.ANIMAL_CONTEXT, animals.ANIMAL_CONTEXT, 400, 300)

    class Seen:
        def probability(self, crop: np.ndarray, side: int | None = None) -> np.ndarray:
            return prob[area.y0 : area.y1, area.x0 : area.x1].copy()  # the crop around the box

    monkeypatch.setattr(animals, "figure_in_box", lambda *_: body.copy())
    monkeypatch.setattr(animals.SaliencyModel, "shared", staticmethod(lambda: Seen()))
    region = animals.figure_region(rgb, "horse", box, salient=False, both=True)
    assert region[head].mean() > 0.95 and region[body].all()
    assert not region[part].any(), "the vehicle's salient part is not the animal"
