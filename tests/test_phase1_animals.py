"""Phase I: an animal in front of a vehicle that is not a bicycle is cut out as GrabCut's figure
and the salient object of a crop around its box together (``detector.animal_union``)."""

from __future__ import annotations

from pathlib import Path

from tests.test_phase1_rigid import TRAIN_ON_HAY_FIELD, needs_devset, truth_iou
from v2v.artefacts import CleanImage
from v2v.config import InputConfig, Phase1Config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.stages.sanitize.classical import ClassicalSanitizer

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
