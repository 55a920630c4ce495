"""Training parameters: one strict pydantic model, validated once (ranges named in the errors).

Defaults follow the original trainer's form (lr 1e-4, batch 1, 10 epochs, rank 32, alpha 16,
validation split 0.2, seed 42); the ranges are its UI's, widened where a tiny test run needs it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from v2v.errors import ConfigError

DEFAULT_TRIGGER = "<v2v-style>"
DEFAULT_TRIGGER_INIT = "flat vector illustration"
_TRIGGER = re.compile(r"^<[a-z0-9][a-z0-9_-]{1,38}>$")


class TrainingParams(BaseModel):
    """What one LoRA training run does. ``None`` fields take the pipeline config's value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        "style", min_length=1, max_length=48, description="artifact name; the id starts with it"
    )
    learning_rate: float = Field(1e-4, ge=1e-6, le=1e-2)
    batch_size: int = Field(1, ge=1, le=8)
    epochs: int = Field(10, ge=1, le=100)
    rank: int = Field(32, ge=1, le=128, description="LoRA rank r")
    alpha: int = Field(16, ge=1, le=256, description="LoRA alpha (scale = alpha / r)")
    validation_split: float = Field(0.2, ge=0.05, le=0.5)
    seed: int = Field(42, ge=0, le=2**32 - 1)
    save_every: int = Field(100, ge=1, le=100_000, description="checkpoint every N steps")
    patience: int = Field(
        3, ge=0, le=100, description="stop after N epochs without a better validation loss; 0=off"
    )
    pairing: Literal["stem", "order"] = Field(
        "stem",
        description="stem: inputs/x.* ↔ targets/x.*; order: sorted names, position by position",
    )
    min_pairs: int = Field(10, ge=2, le=10_000)
    resolution: int | None = Field(
        None, ge=64, le=2048, description="long side, px (multiple of 8); None = phase2.resolution"
    )
    style_prompt: str | None = Field(
        None, max_length=300, description="caption before the trigger; None = phase2.prompt"
    )
    trigger: str = Field(DEFAULT_TRIGGER, description="new token added to both tokenizers")
    trigger_init: str = Field(
        DEFAULT_TRIGGER_INIT,
        min_length=1,
        max_length=100,
        description="words whose mean embedding the trigger token starts from",
    )
    flip: bool = Field(True, description="horizontal flip of input and target together (p=0.5)")
    color_jitter: float = Field(
        0.05, ge=0.0, le=0.3, description="target brightness/contrast/saturation ± this fraction"
    )
    precision: Literal["auto", "bf16", "fp16", "fp32"] = Field(
        "auto", description="autocast on CUDA (auto: bf16 if supported, else fp16); CPU: fp32"
    )
    gradient_checkpointing: bool = True
    max_aspect_difference: float = Field(
        0.1, ge=0.0, le=1.0, description="input and target aspect ratios may differ this much"
    )
    phase1_attempts: int = Field(
        3,
        ge=1,
        le=3,
        description="tries of phase I on a photo in which it finds no vehicle, each with lower "
        "detection thresholds (the original's training.phase1_retry)",
    )

    @field_validator("trigger")
    @classmethod
    def _trigger(cls, value: str) -> str:
        if not _TRIGGER.match(value):
            raise ValueError(
                f"{value!r} is not a trigger token: use '<' + 2-39 lowercase letters, digits, "
                "'-' or '_' + '>', e.g. '<v2v-style>'"
            )
        return value

    @field_validator("resolution")
    @classmethod
    def _multiple_of_8(cls, value: int | None) -> int | None:
        if value is not None and value % 8:
            raise ValueError(f"{value} is not a multiple of 8 (e.g. 512, 1024)")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.search(r"[A-Za-z0-9]", value):
            raise ValueError("the name needs at least one letter or digit")
        return value


def parse_params(values: dict[str, Any] | None = None) -> TrainingParams:
    """TrainingParams from plain values; ConfigError naming each bad field and its range."""
    try:
        return TrainingParams.model_validate(values or {})
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(root)"
            message = "unknown parameter" if err["type"] == "extra_forbidden" else err["msg"]
            parts.append(f"{field}: {message}")
        raise ConfigError("invalid training parameters: " + "; ".join(parts)) from None
