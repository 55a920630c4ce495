"""Training's phase I retries (the original's ``training.phase1_retry``, REFERENCE.md §4.2):
a photo in which phase I finds no vehicle is sanitized again with lower detection thresholds.

The original varied GroundingDINO's box/text thresholds and called an attempt successful when it
removed something; here an attempt fails when phase I finds no vehicle (removing nothing is right
for a photo without logos or plates), so each variation also lowers the thresholds that find the
vehicle. Only keys the config has are varied, never raised above the configured value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from v2v.artefacts import CleanImage, Photo
from v2v.config import Config
from v2v.context import RunContext
from v2v.pipeline import Pipeline
from v2v.stages.sanitize.grounded_sam_lama import GroundedSamLamaConfig

#: attempts 2 and 3: the original's (0.25/0.15) and a lower box/text pair, and the vehicle
#: detector's score and mask threshold lowered in two steps
GPU_VARIATIONS: tuple[dict[str, float], ...] = (
    {
        "phase1.detection.box_threshold": 0.25,
        "phase1.detection.text_threshold": 0.15,
        "phase1.vehicle_mask.threshold": 0.4,
    },
    {
        "phase1.detection.box_threshold": 0.2,
        "phase1.detection.text_threshold": 0.1,
        "phase1.vehicle_mask.threshold": 0.3,
    },
)
CLASSICAL_VARIATIONS: tuple[dict[str, float], ...] = (
    {"phase1.detector.min_score": 0.2, "phase1.vehicle_mask.threshold": 0.4},
    {"phase1.detector.min_score": 0.1, "phase1.vehicle_mask.threshold": 0.3},
)


def variations(config: Config, attempts: int) -> list[dict[str, float]]:
    """The overrides of each attempt ({} first: the config as it is), at most ``attempts``;
    a variation that would change nothing (values already lower) is left out."""
    table = (
        GPU_VARIATIONS
        if isinstance(config.phase1, GroundedSamLamaConfig)
        else (CLASSICAL_VARIATIONS)
    )
    out: list[dict[str, float]] = [{}]
    for variation in table:
        lowered = {k: v for k, v in variation.items() if v < _value(config, k)}
        if lowered and lowered not in out:
            out.append(lowered)
    return out[:attempts] if config.phase1.enabled else [{}]


def _value(config: Config, key: str) -> float:
    node: Any = config
    for part in key.split("."):
        node = getattr(node, part)
    return float(node)


@dataclass
class Sanitizer:
    """Phase I with retries: one pipeline per variation, built when first needed."""

    config: Config
    attempts: int
    vehicle_fraction: float
    _pipelines: dict[int, Pipeline] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tries = variations(self.config, self.attempts)

    def pipeline(self, index: int) -> Pipeline:
        if index not in self._pipelines:
            changes = self.tries[index]
            self._pipelines[index] = Pipeline(
                self.config.with_overrides(changes) if changes else self.config
            )
        return self._pipelines[index]

    def sanitize(self, photo: Photo, ctx: RunContext) -> tuple[CleanImage, int, dict[str, float]]:
        """(the clean image, attempts made, the overrides of the attempt kept): the first
        attempt that finds a vehicle, else the one that found the most."""
        best: tuple[CleanImage, int, dict[str, float]] | None = None
        for index, changes in enumerate(self.tries):
            clean = self.pipeline(index).sanitize(photo, ctx)
            found = float(clean.vehicle_mask.mean())
            if best is None or found > float(best[0].vehicle_mask.mean()):
                best = (clean, index + 1, changes)
            if found >= self.vehicle_fraction:
                return clean, index + 1, changes
        assert best is not None  # there is always the first attempt
        return best[0], len(self.tries), best[2]
