"""The sections of the pipeline configuration (strict, frozen pydantic models).

``v2v.config`` assembles them into ``Config`` and loads it; import them from there.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


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


# -- phase I ----------------------------------------------------------------------------------


class VehicleMaskConfig(Strict):
    enabled: bool = True
    threshold: float = Field(
        0.5, gt=0.0, lt=1.0, description="saliency probability that counts as vehicle"
    )
    refine: bool = Field(
        True,
        description="second, zoomed-in saliency look with edge snapping "
        "(GrabCut inside a hint box that saliency misses)",
    )
    cut_occluders: bool = Field(
        True, description="cut thin, tall parts below the vehicle's ground line (legs, posts)"
    )
    remove_people: bool = Field(
        True,
        description="remove people standing in front of the vehicle (legs cut below its ground "
        "line with a face above them) and paint the vehicle's colours behind them; needs "
        "cut_occluders",
    )
    fill_holes: bool = True
    open_holes: float | None = Field(
        0.005,
        ge=0.0,
        le=1.0,
        description="holes of at least this share of the vehicle's area, coloured like the "
        "scene around it, stay background when holes are filled (the sky between a "
        "schooner's sails and its deck; a detected boat, aircraft or train only: a car's "
        "windows are glass); null: every hole is filled",
    )
    gaps: float | None = Field(
        0.15,
        ge=0.0,
        le=1.0,
        description="pieces of the mask coloured like the scene around it, at least this share "
        "of the vehicle's height square, are background (the gaps between a train's wagons; "
        "a long detected vehicle that is no car or bus only); null: off",
    )
    long_aspect: float | None = Field(
        4.0,
        ge=1.0,
        le=100.0,
        description="a mask this many times wider than tall is a long vehicle (a train): "
        "GrabCut continues it in line beyond its ends, within the detected box's margin "
        "(wagons saliency gave up on); null: off",
    )


class TextRemovalConfig(Strict):
    enabled: bool = True
    min_score: float = Field(0.5, ge=0.0, le=1.0, description="text detector box score")
    padding: float = Field(
        0.25, ge=0.0, le=2.0, description="box growth, as a fraction of its height"
    )
    detect_long_side: int = Field(1024, ge=256, le=4096)


class InpaintConfig(Strict):
    method: Literal["telea", "navier-stokes"] = "telea"
    radius: int = Field(5, ge=1, le=50)
    dilation: int = Field(5, ge=0, le=51, description="mask dilation kernel, px")


class DetectorConfig(Strict):
    enabled: bool = Field(
        True,
        description="find vehicles, people and animals with the packaged COCO detector "
        "(NanoDet); the chosen vehicle's box bounds the mask",
    )
    min_score: float = Field(0.3, gt=0.0, lt=1.0, description="detection score that counts")
    margin: float = Field(
        0.2,
        ge=0.0,
        le=1.0,
        description="the mask may reach this share of the subject box's size beyond it "
        "(salient parts touching the box: masts, turrets, parts the box missed)",
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
    subject: int | None = Field(
        None,
        ge=1,
        le=1000,
        description="which detected vehicle to draw: its rank in the report's detections "
        "(1 = the best-ranked); null = the best-ranked",
    )


class Phase1Config(SanitizerParams):
    """The CPU sanitizer's parameters (``phase1.backend: classical``)."""

    backend: Literal["classical"] = "classical"
    detector: DetectorConfig = DetectorConfig()
    vehicle_mask: VehicleMaskConfig = VehicleMaskConfig()
    text_removal: TextRemovalConfig = TextRemovalConfig()
    inpaint: InpaintConfig = InpaintConfig()

    @model_validator(mode="after")
    def _subject_needs_the_detector(self) -> Phase1Config:
        """A chosen subject with nothing to choose it from would be ignored in silence."""
        if self.detector.subject is not None and not (
            self.enabled and self.detector.enabled and self.vehicle_mask.enabled
        ):
            raise ValueError(
                "phase1.detector.subject picks a detected vehicle, so it needs phase1.enabled, "
                "phase1.detector.enabled and phase1.vehicle_mask.enabled; switch them on or "
                "leave the subject out"
            )
        return self


# -- phase II ---------------------------------------------------------------------------------


class DeshineConfig(Strict):
    bilateral_diameter: int = Field(9, ge=1, le=31)
    sigma_color: float = Field(75.0, gt=0, le=300)
    sigma_space: float = Field(75.0, gt=0, le=300)
    clahe_clip: float = Field(2.0, gt=0, le=40)
    clahe_tiles: int = Field(8, ge=1, le=64)


class EdgesConfig(Strict):
    enabled: bool = True
    low: int = Field(100, ge=0, le=1000)
    high: int = Field(200, ge=0, le=1000)


class FlattenConfig(Strict):
    enabled: bool = True
    resolution: int = Field(
        512, ge=64, le=4096, description="long side of the vehicle crop while segmenting, px"
    )
    spatial_radius: int = Field(
        6, ge=1, le=64, description="mean-shift spatial window, px at the flattening resolution"
    )
    color_radius: float = Field(16.0, gt=0, le=128, description="mean-shift colour window")
    superpixels: int = Field(
        600, ge=10, le=10_000, description="over-segmentation of the vehicle before merging"
    )
    merge_delta_e: float = Field(
        7.0, gt=0, le=50, description="neighbouring regions closer than this ΔE00 merge"
    )
    min_region_percent: float = Field(
        0.15,
        ge=0.0,
        le=20.0,
        description="regions below this % of the vehicle merge into a neighbour",
    )
    remove_highlights: bool = Field(
        True, description="lighter, paler patches of a paint colour (glare) take the paint colour"
    )
    light_glare: bool = Field(
        True, description="white glare and sky reflections on light paint take the paint colour"
    )
    smoothness: float = Field(
        4.0, ge=0.0, le=20.0, description="boundary smoothing (Gaussian sigma), px at working size"
    )
    wheels: bool = Field(True, description="draw side-view wheels as round tyre and hub discs")
    angled_wheels: bool = Field(
        True,
        description="with wheels: dark elliptic patches (wheels at an angle) become tyre + rim",
    )
    spoked_wheels: bool = Field(
        True,
        description="with wheels: free-standing side-view wheels (spoked, thin) become one tyre"
        " ring + one rim colour",
    )
    grey_chrome: bool = Field(
        True, description="weakly tinted patches among greys (warm-lit chrome, glass) turn grey"
    )
    glass: bool = Field(
        True, description="mosaics of light and dark grey reflections in a window become one tone"
    )
    glass_reflections: bool = Field(
        True, description="reflections and what is seen through a dark pane take the pane's tone"
    )
    window_pieces: bool = Field(
        True, description="big window pieces (reflections touching the frame) join their pane"
    )
    glass_highlight: bool = Field(
        False, description="one designed diagonal highlight per window (a house style; off: flat)"
    )


class Phase2Config(StylizerParams):
    """The CPU stylizer's parameters (``phase2.backend: classical``)."""

    backend: Literal["classical"] = "classical"
    deshine: DeshineConfig = DeshineConfig()
    edges: EdgesConfig = EdgesConfig()
    flatten: FlattenConfig = FlattenConfig()


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
    max_retries: int = Field(1, ge=0, le=5)


class OutputConfig(Strict):
    preview_long_side: int = Field(2048, ge=64, le=8192)
