"""Phase I's vehicle-aware parts: a long vehicle boxed in one part is stretched along its line,
people and animals are cut by their silhouette rather than their box, and a bicycle keeps the
parts saliency sees that GrabCut let go."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config, VehicleMaskConfig
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.detector import Detection
from v2v.stages.sanitize.grabcut import figure_in_box
from v2v.stages.sanitize.long_vehicle import stretched
from v2v.stages.sanitize.mask import vehicle_mask
from v2v.stages.sanitize.subject import Subject

DEVSET = SAMPLES.parent / "devset"
HAY_FIELD_TRAIN = DEVSET / "composite_freight_train_on_hay_field.jpg"
TRICYCLE_AND_SHEEP = DEVSET / "composite_pink_tricycle_on_brick-wall2.jpg"
needs_devset = pytest.mark.skipif(not DEVSET.is_dir(), reason="shared devset not available")


def subject_at(box: Box, label: str = "train") -> Subject:
    return Subject(box, 1, "the best-ranked vehicle", (Detection(label, 0.5, box),))


def freight_train() -> tuple[np.ndarray, Box]:
    """Saliency of three wagons in a row (the middle one boxed) and a horse standing lower."""
    salient = np.zeros((300, 900), np.float32)
    for x0 in (60, 330, 600):
        salient[100:150, x0 : x0 + 250] = 0.4  # faint, as saliency sees far wagons
        salient[125:135, x0 + 250 : x0 + 270] = 0.3  # the coupling to the next
    salient[140:260, 420:520] = 0.9  # a horse in front, reaching far below the wagons
    return salient, Box(330, 100, 580, 150)


def test_a_train_boxed_by_one_wagon_is_stretched_along_its_line_only() -> None:
    salient, middle = freight_train()
    out = stretched(subject_at(middle), salient, 0.1)
    assert out.box is not None and out.box.x0 <= 60 and out.box.x1 >= 850, "all three wagons"
    assert (out.box.y0, out.box.y1) == (100, 150), "not down to the horse's hooves"
    assert "stretched" in out.reason
    # a bicycle is compact, and a vehicle that ends inside its limit keeps its box
    assert stretched(subject_at(middle, "bicycle"), salient, 0.1).box == middle
    alone = np.zeros_like(salient)
    alone[100:150, 320:590] = 0.9
    assert stretched(subject_at(middle), alone, 0.1).box == middle


@needs_devset
def test_the_hay_field_trains_subject_box_covers_all_its_wagons() -> None:
    photo = decode(HAY_FIELD_TRAIN, InputConfig())
    clean = ClassicalSanitizer(Phase1Config(text_removal={"enabled": False})).run(
        photo, RunContext()
    )
    truth = cv2.imread(str(HAY_FIELD_TRAIN.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    truth = cv2.resize(truth, photo.size, interpolation=cv2.INTER_NEAREST) > 127
    x0, _, x1, _ = clean.notes["subject"]["box"]
    xs = np.nonzero(truth.any(axis=0))[0]
    assert x1 - x0 >= 0.7 * (xs[-1] - xs[0]), "the detector boxed one wagon; the rest joins"
    assert (clean.vehicle_mask & truth).sum() >= 0.5 * truth.sum()


def test_a_figure_is_cut_by_its_silhouette_not_its_box() -> None:
    rng = np.random.default_rng(5)
    rgb = np.clip(rng.normal((90, 140, 60), 10, (300, 400, 3)), 0, 255).astype(np.uint8)
    body = np.zeros((300, 400), bool)
    body[120:220, 40:360] = True  # the vehicle, reaching into the figure's box
    rgb[body] = (200, 40, 150)
    dog = np.zeros((300, 400), np.uint8)
    cv2.ellipse(dog, (150, 210), (45, 60), 0, 0, 360, 1, -1)
    rgb[dog > 0] = (120, 80, 40)
    box = Box(100, 145, 200, 275)
    figure = figure_in_box(rgb, box)
    assert figure[dog > 0].mean() > 0.9, "the dog is cut"
    in_box = np.zeros_like(body)
    in_box[box.y0 : box.y1, box.x0 : box.x1] = True
    rim = cv2.dilate(dog, np.ones((9, 9), np.uint8)) > 0  # the silhouette's grown soft rim
    beside = body & in_box & ~rim
    assert figure[beside].mean() < 0.1, "the vehicle beside it in its box stays"
    assert not figure[~in_box].any()


@needs_devset
def test_an_animal_beside_a_tricycle_is_not_filled_in_as_a_rectangle() -> None:
    photo = decode(TRICYCLE_AND_SHEEP, InputConfig())
    clean = ClassicalSanitizer(Phase1Config(text_removal={"enabled": False})).run(
        photo, RunContext()
    )
    truth = cv2.imread(str(TRICYCLE_AND_SHEEP.with_suffix(".mask.png")), cv2.IMREAD_GRAYSCALE)
    truth = cv2.resize(truth, photo.size, interpolation=cv2.INTER_NEAREST) > 127
    animals = [p for p in clean.notes["people"] if p["evidence"] != "detected person"]
    assert animals, "the animal beside the tricycle is found"
    for found in animals:
        x0, y0, x1, y1 = found["box"]
        wrong = clean.vehicle_mask[y0:y1, x0:x1] & ~truth[y0:y1, x0:x1]
        assert wrong.mean() < 0.05, "its box is neither filled in nor the animal drawn"


def test_a_bicycle_keeps_the_tyres_saliency_sees_and_not_a_salient_thing_beside_it() -> None:
    rng = np.random.default_rng(7)
    rgb = np.clip(rng.normal((90, 140, 60), 6, (300, 400, 3)), 0, 255).astype(np.uint8)
    frame = np.zeros((300, 400), np.uint8)
    cv2.polylines(frame, [np.array([[80, 230], [200, 130], [320, 230]], np.int32)], True, 1, 10)
    wheels, tyres = np.zeros((300, 400), np.uint8), np.zeros((300, 400), np.uint8)
    for x in (80, 320):
        cv2.circle(wheels, (x, 230), 40, 1, -1)
        cv2.circle(tyres, (x, 230), 38, 1, 3)
    rgb[(frame > 0) | (wheels > 0)] = (220, 40, 160)
    rgb[tyres > 0] = (90, 140, 60)  # the background's colour: GrabCut cannot tell
    cone = np.zeros((300, 400), bool)
    cone[200:270, 372:392] = True  # salient, 12 px beside the front tyre
    rgb[cone] = (90, 140, 60)
    prob = np.where((frame > 0) | (wheels > 0), 0.95, np.where(cone, 0.6, 0.0)).astype(np.float32)

    class Seen:
        def probability(self, image: np.ndarray, side: int | None = None) -> np.ndarray:
            return cv2.resize(prob, (image.shape[1], image.shape[0]))

    box = Box(20, 30, 380, 295)  # big enough that the second look sees the whole picture
    found = vehicle_mask(rgb, VehicleMaskConfig(), model=Seen(), subject=box, thin=True)  # type: ignore[arg-type]
    assert found.mask[tyres > 0].mean() > 0.7, "the tyres saliency sees stay (0.09 without)"
    assert found.mask[frame > 0].mean() > 0.9
    assert found.mask[cone].mean() < 0.1, "what saliency sees beside the bicycle stays out"
