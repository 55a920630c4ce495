"""What phase I's CPU backend reports it left or guessed: the plain-words limitations of a run
and the removal entry of each person or animal it cut out."""

from __future__ import annotations

from v2v.artefacts import Removal
from v2v.config import Phase1Config
from v2v.stages.sanitize.mask import VehicleMask
from v2v.stages.sanitize.people import Person
from v2v.stages.sanitize.subject import Subject

ALWAYS_LEFT = (
    "Side mirrors are not detected by the CPU backend; they stay in the picture.",
    "Logos, badges, emblems and stickers without legible text are not detected by the CPU "
    "backend; they stay in the picture.",
)
NO_VEHICLE = (
    "No vehicle was detected in this photo (car, truck, bus, motorcycle, bicycle, train, "
    "airplane or boat): the most salient object was drawn instead. Draw a hint box around the "
    "vehicle to choose it."
)
OCCLUDERS = (
    "People standing in front of the vehicle are found only by their legs below its ground "
    "line together with a face above them (or legs alone when very thin); other people and "
    "objects in front of it cannot be told apart from it by the CPU backend where they overlap "
    "it; a hint box keeps out everything outside the box."
)


def limitations(
    config: Phase1Config, vehicle: VehicleMask, people: list[Person], subject: Subject | None
) -> tuple[str, ...]:
    """What the CPU backend left in the picture or guessed, in plain words (the report's
    ``not_removed``)."""
    said = list(ALWAYS_LEFT)
    if subject is not None and subject.box is None:
        said.insert(0, NO_VEHICLE)
    if not config.text_removal.enabled:
        said.insert(
            0,
            "Text and licence-plate removal is switched off "
            "(phase1.text_removal.enabled): text on the vehicle stays.",
        )
    if vehicle.source == "whole image":
        said.append(
            "Vehicle masking is switched off (phase1.vehicle_mask.enabled): the "
            "whole image, background included, is treated as the vehicle."
        )
    elif vehicle.source != "alpha" and (subject is None or subject.box is None):
        said.append(OCCLUDERS)
    cut = int(vehicle.notes.get("occluders_cut", 0))
    if cut:
        said.append(
            f"{cut} thin part(s) reaching below the vehicle's ground line (legs of people "
            "in front of it, posts) were cut from the vehicle mask at that line."
        )
    if people:
        said.append(
            f"{len(people)} person(s) standing in front of the vehicle were removed; the "
            "vehicle behind them is a guess: its outline continued and its colour bands "
            "carried across, row by row."
        )
    if "fallback" in vehicle.notes:
        said.append(str(vehicle.notes["fallback"]).capitalize() + ".")
    return tuple(said)


def removal(person: Person) -> Removal:
    """The report's entry for a person or animal cut out over the vehicle."""
    detected = person.evidence.removeprefix("detected ")
    kind = detected if detected != person.evidence else "person"
    return Removal(kind, person.box, person.score)
