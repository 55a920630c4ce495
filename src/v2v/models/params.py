"""Configuration models of the GPU backends and of the model runtime (strict, validated at load).

They live here, not in ``v2v.config``, so that each backend's parameters sit beside the model
code; ``v2v.config`` imports them into its discriminated unions (``phase1.backend``,
``phase2.backend``) and the top-level ``models`` section. Importing this module needs no torch.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_PROMPTS = (
    "side view mirror",
    "car logo",
    "brand badge",
    "licence plate",
    "text",
    "sticker",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- runtime shared by every neural backend ------------------------------------------------------


class ModelsConfig(_Strict):
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


# -- phase I: GroundingDINO + SAM + LaMa, BiRefNet vehicle mask -----------------------------------


class BirefnetConfig(_Strict):
    enabled: bool = Field(True, description="false: the whole image (or its alpha) is the vehicle")
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="probability that counts as vehicle")
    resolution: int = Field(1024, ge=64, le=2048, description="model input side, px")
    fill_holes: bool = True


class DetectionConfig(_Strict):
    prompts: tuple[str, ...] = Field(DEFAULT_PROMPTS, min_length=1)
    box_threshold: float = Field(0.35, ge=0.0, le=1.0)
    text_threshold: float = Field(0.25, ge=0.0, le=1.0)
    max_box_fraction: float = Field(
        0.2, gt=0.0, le=1.0, description="boxes larger than this fraction of the image are ignored"
    )
    inside_vehicle: bool = Field(True, description="keep only boxes that touch the vehicle mask")


class SegmentationConfig(_Strict):
    dilation: int = Field(5, ge=0, le=51, description="mask dilation kernel, px")


class LamaConfig(_Strict):
    file: str = Field(
        "", description="file under lama/ (.pt TorchScript or .onnx); empty = the only one there"
    )


class GroundedSamLamaConfig(_Strict):
    enabled: bool = True
    backend: Literal["grounded-sam-lama"]
    vehicle_mask: BirefnetConfig = BirefnetConfig()
    detection: DetectionConfig = DetectionConfig()
    segmentation: SegmentationConfig = SegmentationConfig()
    inpaint: LamaConfig = LamaConfig()


# -- phase II: SDXL + depth/Canny ControlNets + LoRA, geometry guard -----------------------------


class ControlNetConfig(_Strict):
    depth_weight: float = Field(0.6, ge=0.0, le=2.0)
    canny_weight: float = Field(0.4, ge=0.0, le=2.0)
    canny_end: float = Field(
        0.75, gt=0.0, le=1.0, description="Canny guidance stops after this fraction of the steps"
    )
    canny_low: int = Field(100, ge=0, le=1000)
    canny_high: int = Field(200, ge=0, le=1000)


class DeshineParams(_Strict):
    """Lab de-shine before Canny: bilateral filter on L, then CLAHE."""

    bilateral_diameter: int = Field(9, ge=1, le=31)
    sigma_color: float = Field(75.0, gt=0, le=300)
    sigma_space: float = Field(75.0, gt=0, le=300)
    clahe_clip: float = Field(2.0, gt=0, le=40)
    clahe_tiles: int = Field(8, ge=1, le=64)


class LoraConfig(_Strict):
    path: str = Field(
        "", description="LoRA file or folder, or a name under loras/; empty = no LoRA"
    )
    scale: float = Field(0.8, ge=0.0, le=2.0)


class GeometryGuardConfig(_Strict):
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


class SdxlControlNetConfig(_Strict):
    enabled: bool = True
    backend: Literal["sdxl-controlnet"]
    prompt: str = "flat vector illustration, minimalist style, clean lines, solid colors"
    negative_prompt: str = "blurry, distorted, photo, gradient, text, watermark, logo"
    steps: int = Field(30, ge=1, le=200)
    guidance_scale: float = Field(7.5, ge=0.0, le=30.0)
    scheduler: str = Field("UniPCMultistepScheduler", description="a diffusers scheduler class")
    resolution: int = Field(
        1024, ge=64, le=2048, description="long side of the control images, px (multiple of 8)"
    )
    attention: Literal["sdpa", "xformers"] = Field(
        "sdpa", description="xformers only when installed and DISABLE_XFORMERS is unset"
    )
    cpu_offload: bool = Field(False, description="model CPU offload (slower, less GPU memory)")
    vae_tile: int = Field(
        512,
        ge=0,
        le=2048,
        description="VAE decode tile side, px, multiple of 64 (0 = decode the whole image at once)",
    )
    controlnet: ControlNetConfig = ControlNetConfig()
    deshine: DeshineParams = DeshineParams()
    lora: LoraConfig = LoraConfig()
    guard: GeometryGuardConfig = GeometryGuardConfig()

    @model_validator(mode="after")
    def _resolution_multiple_of_8(self) -> SdxlControlNetConfig:
        if self.resolution % 8:
            raise ValueError(f"resolution {self.resolution} must be a multiple of 8, e.g. 1024")
        if self.vae_tile % 64:
            raise ValueError(f"vae_tile {self.vae_tile} must be a multiple of 64, e.g. 512, or 0")
        return self
