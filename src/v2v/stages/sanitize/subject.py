"""Which detected vehicle is the photo's subject.

Rank: motor vehicles (car, truck, bus, motorcycle, train, airplane, boat) come before bicycles
unless the bicycle's value is far higher (a bicycle in front, a car far behind). The value
grows with the detection's score, with how well the box fits the salient object of the photo
(the F1 of the salient probability mass inside the box: a box around a part of the vehicle
misses mass, a box around a building or the whole scene takes in background) and with its
closeness to the centre. Without a saliency map the fit is the square root of the box's area share.
A vehicle the detector found in parts (a freight train's cars) is valued as the whole of its parts;
a box lying inside a surer, bigger vehicle box (a tug's cabin inside the tug, grown upward by
the detector's margin: the cabin's box rises above the hull's) ranks after it.
The chosen motor vehicle's box is stretched along its long side where saliency continues it in
line beyond the mask's margin (``long_vehicle.stretched``: one boxed wagon of a freight train).

A bicycle is an open frame: the salient pixels inside a bicycle's box cover at most about three
quarters of their convex hull (devset's lowriders and tricycles 0.4-0.73). A box labelled
bicycle whose salient pixels are one solid patch (``open_frame``: a painted basketball court the
detector scores 0.95 "bicycle" with the tricycle standing on it) ranks after the bicycle boxes
whose salient pixels are open; alone, it stays (a tank labelled bicycle is still the vehicle).

The user decides first: a hint box wins over every detection, and ``choice`` (1-based, the
rank shown in the report) picks another detection. With no vehicle detected the caller falls
back to saliency and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box
from v2v.errors import InputError
from v2v.stages.sanitize.detector import PEDAL, Detection
from v2v.stages.sanitize.frame import OPEN_FRAME, solid_bicycles

PEDAL_WINS_AT = 4.0  # a bicycle outranks motor vehicles whose value is this many times smaller
CENTRE_WEIGHT = 0.5  # value lost by a box whose centre sits at the picture's corner
JOIN_OVERLAP = 0.5  # boxes sharing this share of the smaller one's area are one vehicle
JOIN_SPAN = 1.5
JOIN_AREA = 5.0  # unless the other box is more than this many times bigger
JOIN_SCORE = 0.4  # or scores less than this share of the subject's score
PART_EVIDENCE = 0.2  # a joined box smaller than this share of the box, and less sure, adds nothing
PART_INSIDE = 0.8  # a box this much inside a surer vehicle's box ...
PART_AREA = 1.5  # ... that is this many times bigger is a part of that vehicle
PART_SHARE = 0.99  # and its value is capped just below that vehicle's
FEET_ABOVE = 0.15
NEAR_SUBJECT = 0.1  # people/animals whose box covers this share of theirs inside the subject's


@dataclass(frozen=True)
class Subject:
    """The chosen vehicle. ``rank``: its 1-based place in ``ranked`` (None for a hint box or
    when nothing was detected). ``box``: where the mask may lie (working pixels). ``reason``:
    one sentence for the report."""

    box: Box | None
    rank: int | None
    reason: str
    ranked: tuple[Detection, ...]

    @property
    def detection(self) -> Detection | None:
        return None if self.rank is None else self.ranked[self.rank - 1]

    def notes(self) -> dict[str, Any]:
        """The report's ``detections`` (ranked vehicles, 1-based ``rank``) and ``subject``."""
        chosen = self.detection
        return {
            "detections": [{"rank": i + 1, **d.as_dict()} for i, d in enumerate(self.ranked)],
            "subject": {
                "rank": self.rank,
                "class": chosen.label if chosen else None,
                "score": round(chosen.score, 3) if chosen else None,
                "box": self.box.as_list() if self.box else None,
                "reason": self.reason,
            },
        }


def value(
    detection: Detection, size: tuple[int, int], salient: NDArray[np.float32] | None = None
) -> float:
    """score × fit × (1 − CENTRE_WEIGHT × normalised distance from the centre); ``salient``:
    float32 (H, W) salient-object probability of the picture, or None."""
    width, height = size
    box = detection.box
    dx = ((box.x0 + box.x1) / 2 - width / 2) / (width / 2)
    dy = ((box.y0 + box.y1) / 2 - height / 2) / (height / 2)
    off_centre = min(1.0, float(np.hypot(dx, dy)) / np.sqrt(2))
    return detection.score * fit(box, size, salient) * (1 - CENTRE_WEIGHT * off_centre)


def fit(box: Box, size: tuple[int, int], salient: NDArray[np.float32] | None) -> float:
    """How well ``box`` holds the salient object: F1 of precision (mean probability inside
    the box) and recall (share of the probability mass inside it); √(area share) without a
    saliency map."""
    area = box.area
    if salient is None:
        return float(np.sqrt(area / float(size[0] * size[1])))
    inside = float(salient[box.y0 : box.y1, box.x0 : box.x1].sum())
    total = float(salient.sum())
    if inside <= 0 or total <= 0:
        return 0.0
    precision, recall = inside / area, inside / total
    return 2 * precision * recall / (precision + recall)


def rank(
    vehicles: list[Detection],
    size: tuple[int, int],
    salient: NDArray[np.float32] | None = None,
    open_frame: float = OPEN_FRAME,
    reach: float = 0.0,
    evidence: float = PART_EVIDENCE,
) -> list[Detection]:
    """``vehicles`` best subject first (see the module's docstring). A vehicle found in parts
    (boxes that continue each other, see ``extent``) is valued as a whole: the joined box, and
    the chance that at least one of its parts is a vehicle (1 − Π(1 − score)). Bicycle boxes
    whose salient pixels fill more than ``open_frame`` of their convex hull rank after those
    whose salient pixels are open. A part lies inside a surer vehicle's box grown upward by
    ``reach`` of its height (``detector.margin``: where that vehicle's mask may lie). A part
    under ``evidence`` of a box's area (``detector.part_evidence``) scoring less than that
    box adds nothing to its score (see ``_as_whole``)."""
    whole = {id(d): _as_whole(d, vehicles, evidence) for d in vehicles}
    alone = {id(d): value(whole[id(d)], size, salient) for d in vehicles}
    values = dict(alone)
    for d in vehicles:  # a part of a bigger, surer vehicle ranks after it
        for other in vehicles:
            surer = other.score > d.score and other.label not in PEDAL
            if surer and _is_part_of(whole[id(d)].box, other.box, reach):
                values[id(d)] = min(values[id(d)], PART_SHARE * alone[id(other)])
    motor = [d for d in vehicles if d.label not in PEDAL]
    best_motor = max((values[id(d)] for d in motor), default=0.0)

    solid = solid_bicycles(vehicles, salient, open_frame)

    def key(d: Detection) -> tuple[int, int, float]:
        demoted = d.label in PEDAL and values[id(d)] < PEDAL_WINS_AT * best_motor
        return (1 if demoted else 0, 1 if id(d) in solid else 0, -values[id(d)])

    return sorted(vehicles, key=key)


def choose(
    detections: list[Detection],
    size: tuple[int, int],
    hint: Box | None = None,
    choice: int | None = None,
    salient: NDArray[np.float32] | None = None,
    open_frame: float = OPEN_FRAME,
    reach: float = 0.0,
    evidence: float = PART_EVIDENCE,
) -> Subject:
    """The subject among ``detections`` of a ``size`` = (width, height) picture (``salient``:
    its salient-object probability, float32 (H, W), or None; ``open_frame``, ``reach``,
    ``evidence``: see ``rank``)."""
    vehicles = [d for d in detections if d.is_vehicle]
    ranked = tuple(rank(vehicles, size, salient, open_frame, reach, evidence))
    if hint is not None:
        return Subject(hint, None, "the user's hint box", ranked)
    if choice is not None:
        if not 1 <= choice <= len(ranked):
            found = (
                f"{len(ranked)} vehicle(s) were detected in this photo; choose 1 to {len(ranked)}"
                if ranked
                else "no vehicle was detected in this photo; draw a hint box around the vehicle"
            )
            raise InputError(f"subject {choice} does not exist: {found}, or leave it out")
        chosen = ranked[choice - 1]
        return Subject(chosen.box, choice, f"chosen by the user ({chosen.label})", ranked)
    if not ranked:
        return Subject(None, None, "no vehicle was detected", ranked)
    top = ranked[0]
    whole = extent(top, ranked)
    why = f"the best-ranked vehicle ({top.label}, score {top.score:.2f})"
    if len(ranked) > 1:
        why += (
            f" of {len(ranked)}: motor vehicles first, then detection score, fit to the "
            "salient object and closeness to the centre"
        )
    if whole != top.box:
        why += "; its box is joined with the overlapping boxes of the same vehicle's other parts"
    return Subject(whole, 1, why, ranked)


def _is_part_of(box: Box, bigger: Box, reach: float) -> bool:
    """``box`` lies mostly (PART_INSIDE) inside ``bigger`` grown upward by ``reach`` of its
    height (a cabin rising above its hull; a car beside a bus is no part of it), and ``bigger``
    is PART_AREA times its size."""
    top = max(0, bigger.y0 - round(reach * (bigger.y1 - bigger.y0)))
    inside = box.overlap(Box(bigger.x0, top, bigger.x1, bigger.y1))
    return inside >= PART_INSIDE * box.area and bigger.area >= PART_AREA * box.area


def _as_whole(
    detection: Detection, vehicles: list[Detection], evidence: float = PART_EVIDENCE
) -> Detection:
    """``detection`` joined with the boxes that continue it, scored as one vehicle (the
    chance that a part is one), without the parts under ``evidence`` of its box's area that
    score less than it: things within it, not a second look (trucks in a garage's entrance;
    see docs/architecture.md). Smaller, surer parts count: a loose box is their whole."""
    parts = _parts(detection, tuple(vehicles))
    if len(parts) == 1:
        return detection
    counted = [
        d for d in parts if d.box.area >= evidence * detection.box.area or d.score > detection.score
    ]
    missed = float(np.prod([1.0 - d.score for d in counted]))
    return replace(detection, box=_union(parts), score=1.0 - missed)


def extent(top: Detection, ranked: tuple[Detection, ...]) -> Box:
    """``top``'s box joined with the vehicle boxes that continue it along one axis: a
    detector often finds a long or odd vehicle in parts (a freight train's cars, a tank's hull
    without its turret), and a box around one part would cut the others off the mask.

    Another box joins when it scores at least JOIN_SCORE of ``top``, shares at least
    JOIN_OVERLAP of the smaller box's area with it, spans about the same rows (or columns) as
    ``top`` (within JOIN_SPAN times), and is at most JOIN_AREA times as big. Bicycles are not
    joined: they are compact, and bigger boxes around them are clutter."""
    return _union(_parts(top, ranked))


def _parts(top: Detection, ranked: tuple[Detection, ...]) -> list[Detection]:
    """``top`` and the vehicle boxes that continue it (none for a bicycle)."""
    if top.label in PEDAL:
        return [top]
    return [top] + [
        other
        for other in ranked
        if other is not top
        and other.score >= JOIN_SCORE * top.score
        and _continues(top.box, other.box)
    ]


def _union(parts: list[Detection]) -> Box:
    boxes = [d.box for d in parts]
    return Box(
        min(b.x0 for b in boxes),
        min(b.y0 for b in boxes),
        max(b.x1 for b in boxes),
        max(b.y1 for b in boxes),
    )


def _continues(box: Box, other: Box) -> bool:
    area, size = box.area, other.area
    if size > JOIN_AREA * area or box.overlap(other) < JOIN_OVERLAP * min(size, area):
        return False
    same_rows = (other.y1 - other.y0) <= JOIN_SPAN * (box.y1 - box.y0)
    same_columns = (other.x1 - other.x0) <= JOIN_SPAN * (box.x1 - box.x0)
    return same_rows or same_columns


def in_front(detections: list[Detection], subject: Box) -> list[Detection]:
    """People and animals whose box lies at least NEAR_SUBJECT inside ``subject`` and who
    stand in front of it: their feet (box bottom) no higher than FEET_ABOVE of the subject's
    height above its bottom (someone nearer the camera stands lower in the picture; figures
    on a wall or a mural behind the vehicle stand higher)."""
    found = []
    for d in detections:
        if not d.is_living:
            continue
        b = d.box
        if b.y1 < subject.y1 - FEET_ABOVE * (subject.y1 - subject.y0):
            continue
        if b.overlap(subject) >= NEAR_SUBJECT * b.area:
            found.append(d)
    return found
