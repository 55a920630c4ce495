"""The sections of the pipeline configuration (strict, frozen pydantic models).

``v2v.config`` assembles them into ``Config`` and loads it; import them from there.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BackendParams(Strict):
    """What every phase's backend parameters share: the switch and the backend's name. Each
    backend declares its own subclass beside itself (``params`` in ``v2v.registry.Backend``)."""

    enabled: bool = True
    backend: str


class SanitizerParams(BackendParams):
    """Parameters of a phase I backend (``phase1``)."""


class StylizerParams(BackendParams):
    """Parameters of a phase II backend (``phase2``)."""


class PaletteParams(BackendParams):
    """Parameters of a phase III backend (``phase3``)."""


# -- runtime shared by every neural backend ------------------------------------------------------


class ModelsConfig(Strict):
    """Where the weights are and how neural backends run."""

    dir: str | None = Field(
        None, description="model directory; null = $MODEL_VOLUME_PATH, else ~/.cache/v2v/models"
    )
    device: Literal["auto", "cuda", "cpu"] = Field("auto", description="auto = cuda when present")
    precision: Literal["auto", "fp16", "bf16", "fp32"] = Field(
        "auto", description="auto = fp16 on CUDA, fp32 on CPU (half precision never runs on CPU)"
    )
    keep_loaded: bool = Field(
        True, description="cache models across runs; false = load, use, flush (small GPUs)"
    )
    max_vram_gb: float | None = Field(
        None,
        gt=0,
        le=4096,
        description="GPU memory (GiB) the models may use (env MAX_VRAM_GB); above the computed "
        "need, phase2.cpu_offload then models.keep_loaded: false are turned on, else the config "
        "is refused (docs/models.md, memory); null = no limit",
    )


# -- input ------------------------------------------------------------------------------------


class InputConfig(Strict):
    work_long_side: int = Field(
        1024, ge=128, le=4096, description="long side of the working image, px"
    )
    max_bytes: int = Field(50 * 1024 * 1024, ge=1024, le=500 * 1024 * 1024)
    max_pixels: int = Field(
        100_000_000, ge=10_000, le=400_000_000, description="decompression-bomb guard"
    )


# -- phase II: v2v.config_phase2 -------------------------------------------------------------


# -- QA and output ----------------------------------------------------------------------------


class QAConfig(Strict):
    enabled: bool = True
    policy: Literal["warn", "retry", "fail"] = "warn"
    min_silhouette_iou: float = Field(0.85, ge=0.0, le=1.0)
    min_inside_subject: float = Field(
        0.97,
        ge=0.0,
        le=1.0,
        description="share of the drawing that must lie inside the chosen vehicle's box",
    )
    max_detail_loss: float = Field(0.03, ge=0.0, le=1.0)
    check_text: bool = Field(True, description="run the text detector on the rendered SVG")
    glyph_line_span: float = Field(
        0.9,
        gt=0.0,
        le=2.0,
        description="a line of text left whose box spans at least this share of both the "
        "drawing's height and its width is the drawing itself read as glyphs (two wheels and "
        "a frame read as 'OVO'), not lettering",
    )
    max_retries: int = Field(1, ge=0, le=5)
    concurrent: bool = Field(
        True,
        description="the text check reads the rendering in a thread beside the PNG preview's "
        "rendering (on more than one CPU thread); false: one after another",
    )


class OutputConfig(Strict):
    preview_long_side: int = Field(2048, ge=64, le=8192)
