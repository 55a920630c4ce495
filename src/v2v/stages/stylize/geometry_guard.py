"""Geometry guard: regenerate with stronger ControlNet weights while the silhouette IoU is low.

The style guide keeps the vehicle's geometry: the IoU between phase I's vehicle mask and the
generated image's vehicle mask must reach ``min_iou``. Below it the guard retries with both
weights raised by ``step`` (capped), at most ``max_retries`` times, keeps the best attempt and
then applies its policy (``warn``: keep the best; ``fail``: raise QualityCheckFailed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from v2v.artefacts import Mask
from v2v.config_sections import Strict
from v2v.errors import QualityCheckFailed
from v2v.geometry import silhouette_iou


class GeometryGuardConfig(Strict):
    enabled: bool = True
    min_iou: float = Field(0.85, ge=0.0, le=1.0)
    max_retries: int = Field(2, ge=0, le=5)
    step: float = Field(0.1, gt=0.0, le=0.5, description="weight increase per retry")
    max_depth_weight: float = Field(0.9, ge=0.0, le=2.0)
    max_canny_weight: float = Field(0.7, ge=0.0, le=2.0)
    policy: Literal["warn", "fail"] = Field(
        "warn", description="below min_iou after the retries: keep the best attempt, or fail"
    )
    mask_resolution: int = Field(
        1024, ge=64, le=2048, description="BiRefNet input side for the generated image's mask"
    )


@dataclass(frozen=True)
class Attempt:
    """One generation: the ControlNet weights used and the silhouette IoU it reached
    (None when the guard is off and nothing was measured)."""

    depth_weight: float
    canny_weight: float
    iou: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "depth_weight": round(self.depth_weight, 3),
            "canny_weight": round(self.canny_weight, 3),
            "iou": None if self.iou is None else round(self.iou, 4),
        }


@dataclass(frozen=True)
class GuardResult:
    """The kept image (RGB uint8 (H, W, 3)), its attempt, every attempt, and whether it passed."""

    image: NDArray[np.uint8]
    best: Attempt
    attempts: tuple[Attempt, ...]
    passed: bool

    def notes(self) -> dict[str, Any]:
        return {
            "attempts": [a.to_dict() for a in self.attempts],
            "final_controlnet_weights": {
                "depth": round(self.best.depth_weight, 3),
                "canny": round(self.best.canny_weight, 3),
            },
            "silhouette_iou": None if self.best.iou is None else round(self.best.iou, 4),
            "geometry_passed": self.passed,
        }


def escalate(depth: float, canny: float, config: GeometryGuardConfig) -> tuple[float, float]:
    """Both weights raised by ``step``, each capped (never lowered if it starts above the cap)."""
    return (
        max(depth, min(depth + config.step, config.max_depth_weight)),
        max(canny, min(canny + config.step, config.max_canny_weight)),
    )


def guarded_generation(
    generate: Callable[[float, float], NDArray[np.uint8]],
    mask_of: Callable[[NDArray[np.uint8]], Mask],
    reference: Mask,
    weights: tuple[float, float],
    config: GeometryGuardConfig,
    check_cancelled: Callable[[], None] = lambda: None,
) -> GuardResult:
    """Run ``generate(depth_weight, canny_weight)`` until the IoU of ``mask_of(image)`` against
    ``reference`` (bool (H, W)) reaches ``config.min_iou`` or the retries are spent."""
    depth, canny = weights
    attempts: list[Attempt] = []
    best: tuple[Attempt, NDArray[np.uint8]] | None = None
    while True:
        image = generate(depth, canny)
        iou = silhouette_iou(reference, mask_of(image)) if config.enabled else None
        attempt = Attempt(depth, canny, iou)
        attempts.append(attempt)
        if best is None or (iou or 0.0) > (best[0].iou or 0.0):
            best = (attempt, image)
        if iou is None or iou >= config.min_iou or len(attempts) > config.max_retries:
            break
        stronger = escalate(depth, canny, config)
        if stronger == (depth, canny):
            break
        check_cancelled()
        depth, canny = stronger
    kept, image = best
    passed = kept.iou is None or kept.iou >= config.min_iou
    if not passed and config.policy == "fail":
        tried = ", ".join(
            f"{a.depth_weight:.2f}/{a.canny_weight:.2f}→{a.iou:.3f}" for a in attempts
        )
        raise QualityCheckFailed(
            f"geometry guard: silhouette IoU stayed below {config.min_iou} after "
            f"{len(attempts)} attempt(s) (depth/canny weights → IoU: {tried}); raise "
            "phase2.controlnet weights or set phase2.guard.policy: warn"
        )
    return GuardResult(image, kept, tuple(attempts), passed)
