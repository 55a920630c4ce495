"""Phase I finds the same vehicle whatever the working size (``input.work_long_side``): a
vehicle scoring about ``detector.min_score`` (``detector.weak_score``), boxes tied at a capped
score of 1, a part's box sticking out of its vehicle's box by a few pixels."""

from __future__ import annotations

import numpy as np
from benchmarks.bench_mask import iou, read_truth
from skimage import data

from tests.test_detector import SIZE, TUG_CABIN, tug_salient
from tests.test_phase1_rigid import TRAIN_ON_HAY_FIELD, needs_devset
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.detector import COCO_CLASSES, Detection, _vehicles, weak_needed
from v2v.stages.sanitize.limitations import NO_VEHICLE
from v2v.stages.sanitize.subject import choose


@needs_devset
def test_the_hay_field_train_is_found_at_long_side_768() -> None:
    # its best vehicle box scores 0.28 at 768 px (0.30 at 1024): without weak_score nothing
    # is detected and saliency's object, the horse in front of it, was drawn (IoU 0.001)
    photo = decode(TRAIN_ON_HAY_FIELD, InputConfig(work_long_side=768))
    truth = read_truth(TRAIN_ON_HAY_FIELD.with_suffix(".mask.png"))
    results = {}
    for weak in (0.2, None):
        config = Phase1Config(text_removal={"enabled": False}, detector={"weak_score": weak})
        results[weak] = ClassicalSanitizer(config).run(photo, RunContext())
    found = results[0.2]
    assert found.notes["subject"]["rank"] == 1
    assert found.notes["subject"]["class"] != "car"  # the weak "car" boxed on the horse
    assert any(r.kind == "horse" for r in found.removals)  # the horse in front is cut out
    assert iou(found.vehicle_mask, truth) >= 0.55  # 0.618
    assert results[None].notes["subject"]["rank"] is None
    assert iou(results[None].vehicle_mask, truth) < 0.1


def test_vehicle_boxes_tied_at_a_capped_score_are_ordered_by_their_sum() -> None:
    # two cells of one boat whose vehicle classes sum past 1: the surer one's box is kept,
    # whichever comes first (the cap made them tie, and NMS kept one of them by chance)
    scores = np.zeros((3, 80), np.float32)
    boat, truck = COCO_CLASSES.index("boat"), COCO_CLASSES.index("truck")
    scores[0, [boat, truck]] = (0.9, 0.3)  # the cabin's cell: sums to 1.2
    scores[1, [boat, truck]] = (0.95, 0.6)  # the hull's: 1.55
    scores[2, boat] = 0.1
    boxes = np.array([[60, 40, 250, 110], [50, 50, 260, 120], [0, 0, 10, 10]], np.float32)
    found = _vehicles(scores, boxes, 0.3, (1.0, 1.0), (300, 200))
    assert [d.box for d in found] == [Box(50, 50, 260, 120)]
    assert found[0].score == 1.0
    found = _vehicles(scores[[1, 0, 2]], boxes[[1, 0, 2]], 0.3, (1.0, 1.0), (300, 200))
    assert [d.box for d in found] == [Box(50, 50, 260, 120)]


def test_a_cabin_box_rising_above_the_hulls_box_is_a_part_of_the_tug() -> None:
    # devset's tug at 1024 px: the hull's box (score 1) starts 21 px below the cabin's top
    salient = tug_salient(0.1)
    tug = Detection("boat", 1.0, Box(200, 453, 825, 596))
    # within the hull's box grown by the detector's margin (where its mask may lie)
    assert choose([*TUG_CABIN, tug], SIZE, salient=salient, reach=0.2).detection == tug
    assert choose([*TUG_CABIN, tug], SIZE, salient=salient).detection != tug  # its box alone


def test_a_car_beside_a_surer_bus_is_no_part_of_it() -> None:
    # the bus's box grown by the margin sideways would take the car in: ranked after the bus
    salient = np.zeros((SIZE[1], SIZE[0]), np.float32)
    salient[520:690, 770:880] = 0.9  # the car stands out
    salient[200:690, 100:760] = 0.1
    bus = Detection("bus", 0.6, Box(100, 200, 760, 690))
    car = Detection("car", 0.5, Box(770, 520, 880, 690))  # beside it, 10 px off its box
    assert choose([bus, car], SIZE, salient=salient, reach=0.2).detection == car


def test_weak_vehicles_count_only_where_saliency_would_draw_a_person_or_animal() -> None:
    wagons = Detection("truck", 0.28, Box(50, 290, 700, 360))
    horse = Detection("horse", 0.40, Box(420, 310, 600, 435))
    salient = np.zeros((576, 768), np.float32)
    salient[320:430, 430:590] = 0.9  # the horse stands out, not the wagons behind it
    assert weak_needed([horse, wagons], salient, 0.3) == [horse, wagons]
    # a rocket on its pad: saliency finds it, a loose weak "boat" box would take in the lights
    rocket = np.zeros((576, 768), np.float32)
    rocket[100:500, 360:400] = 0.9
    boat = Detection("boat", 0.29, Box(160, 110, 610, 510))
    assert weak_needed([boat], rocket, 0.3) == []
    assert weak_needed([horse, boat], rocket, 0.3) == [horse]
    sure = Detection("boat", 0.35, Box(160, 110, 610, 510))  # a vehicle at min_score stays
    assert weak_needed([sure], rocket, 0.3) == [sure]


def test_a_person_alone_keeps_the_no_vehicle_warning_and_her_salient_mask() -> None:
    # skimage's astronaut, the top-centre half: she scores 0.83 as a person, and 0.23-0.25
    # "bicycle" boxes lie on her hands, 0.04-0.09 of them outside her box: taken as the
    # subject, she was cut out as a figure in front of it and the mask was empty
    image = data.astronaut()
    height, width = image.shape[:2]
    crop = np.ascontiguousarray(image[: height // 2, width // 4 : width // 4 + width // 2])
    photo = decode(crop, InputConfig(work_long_side=768))
    config = Phase1Config(text_removal={"enabled": False}, detector={"weak_score": 0.2})
    result = ClassicalSanitizer(config).run(photo, RunContext())
    assert result.notes["subject"]["rank"] is None
    assert NO_VEHICLE in result.limitations
    assert not result.removals
    assert result.vehicle_mask.mean() > 0.3  # saliency draws her: 0.49 of the picture


def test_a_weak_vehicle_box_mostly_on_the_figures_does_not_count() -> None:
    person = Detection("person", 0.83, Box(100, 50, 500, 576))
    salient = np.zeros((576, 768), np.float32)
    salient[60:570, 120:480] = 0.9  # saliency draws the person
    hands = Detection("bicycle", 0.25, Box(300, 400, 520, 576))  # 0.09 of it outside hers
    assert weak_needed([person, hands], salient, 0.3) == [person]
    wagons = Detection("truck", 0.28, Box(300, 290, 760, 360))  # 0.57 of it beside her
    assert weak_needed([person, wagons], salient, 0.3) == [person, wagons]
