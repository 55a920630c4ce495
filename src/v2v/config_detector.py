"""Phase I's object detector section (``phase1.detector``): what counts as a vehicle, a
person or an animal, and how the subject is chosen among them. ``v2v.config_phase1`` holds it
in ``Phase1Config``; import it from ``v2v.config``."""

from __future__ import annotations

from pydantic import Field

from v2v.config_sections import Strict


class DetectorConfig(Strict):
    enabled: bool = Field(
        True,
        description="find vehicles, people and animals with the packaged COCO detector "
        "(NanoDet); the chosen vehicle's box bounds the mask",
    )
    min_score: float = Field(0.3, gt=0.0, lt=1.0, description="detection score that counts")
    weak_score: float | None = Field(
        0.2,
        gt=0.0,
        lt=1.0,
        description="when no vehicle reaches min_score and the salient object is a detected "
        "person or animal (half its pixels in their boxes: saliency alone would draw it), "
        "vehicles scoring at least this count, each with half its box outside their boxes (an "
        "odd one, three hopper wagons behind a horse, "
        "scores about min_score, above or below it by the working size); null: none; at or "
        "above min_score it has no effect (not refused: training's phase I retries lower "
        "min_score to 0.2 and 0.1)",
    )
    margin: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="the mask may reach this share of the subject box's size beyond it "
        "(salient parts touching the box: masts, turrets, parts the box missed); a smaller "
        "vehicle box inside a surer one grown upward by it is a part of that vehicle",
    )
    part_evidence: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="a vehicle found in parts is scored as one (the chance one part is a "
        "vehicle); a part under this share of the ranked box's area that scores less than "
        "that box does not count: it is a thing within it (trucks in a garage's entrance), "
        "not a second look at it; 0: every part counts",
    )
    open_frame: float = Field(
        0.85,
        gt=0.0,
        le=1.0,
        description="a box labelled bicycle whose salient pixels fill more than this share of "
        "their convex hull is a solid patch (a painted court), ranked after bicycle boxes whose "
        "salient pixels are open",
    )
    scene_share: float = Field(
        0.5,
        gt=0.0,
        le=1.0,
        description="a motor vehicle's box whose mask's bounding box fills less than this share "
        "of it was mostly scene: a bicycle box covering what was found makes it a bicycle",
    )
    feet_slack: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="a person or animal over the vehicle is cut out only when its box reaches "
        "down to the vehicle's lowest pixel in its columns, less this share of the vehicle's "
        "height (a box ending higher is something on the vehicle: camouflage, a driver)",
    )
    feet_reach: float = Field(
        0.5,
        ge=0.0,
        le=5.0,
        description="the vehicle's lowest pixel that a person's or animal's box must reach "
        "(less feet_slack) is looked for in the box's columns and this share of the vehicle's "
        "height to either side, outside the other people's and animals' boxes: someone in "
        "front stands lower than the wheels beside them (0: the box's own columns only)",
    )
    salient_animals: bool = Field(
        True,
        description="an animal over a bicycle is cut out as the salient object of a crop "
        "around its box (its legs go, the wheel behind it stays); false: GrabCut in its box",
    )
    animal_union: bool = Field(
        True,
        description="an animal over any other vehicle is cut out as GrabCut's figure in its box "
        "together with the salient object of a crop around it (GrabCut leaves a horse's brown "
        "head against a red wagon to the wagon); false: GrabCut's figure alone",
    )
    subject: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="which detected vehicle to draw: its rank in the report's detections "
        "(1 = the best-ranked); null = the best-ranked",
    )
