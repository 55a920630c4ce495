"""Phase II on a GPU: SDXL with depth and Canny ControlNets, an optional style LoRA and the
geometry guard.

Data flow: clean image → depth map (0..255) and Canny of the de-shined image, both at
``resolution`` px on the long side (aspect kept, multiples of 8) → SDXL (depth 0.6 for all steps,
Canny 0.4 released at 75 % through ``control_guidance_end``) → back to the working size →
BiRefNet mask of the result → IoU guard (retry with stronger weights) → StyledImage.
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from pydantic import Field, model_validator

from v2v.artefacts import CleanImage, Mask, StyledImage
from v2v.config_phase2 import DeshineConfig
from v2v.config_sections import ModelsConfig, Strict, StylizerParams
from v2v.context import RunContext
from v2v.models.layout import require
from v2v.models.runtime import Runtime, gpu_memory, release_after_run, require_modules
from v2v.registry import Requirements
from v2v.stages import STYLIZERS, Stylizer
from v2v.stages.stylize.classical import deshine as deshine_lightness
from v2v.stages.stylize.geometry_guard import GeometryGuardConfig, guarded_generation

NAME = "sdxl-controlnet"
MODELS = ("sdxl", "controlnet-depth", "controlnet-canny", "depth", "birefnet")
GUARD_MASK_THRESHOLD = 0.5


class ControlNetConfig(Strict):
    depth_weight: float = Field(0.6, ge=0.0, le=2.0)
    canny_weight: float = Field(0.4, ge=0.0, le=2.0)
    canny_end: float = Field(
        0.75, gt=0.0, le=1.0, description="Canny guidance stops after this fraction of the steps"
    )
    canny_low: int = Field(100, ge=0, le=1000)
    canny_high: int = Field(200, ge=0, le=1000)


class LoraConfig(Strict):
    path: str = Field(
        "", description="LoRA file or folder, or a name under loras/; empty = no LoRA"
    )
    scale: float = Field(0.8, ge=0.0, le=2.0)


class SdxlControlNetConfig(StylizerParams):
    """The GPU stylizer's parameters (``phase2.backend: sdxl-controlnet``)."""

    backend: Literal["sdxl-controlnet"] = "sdxl-controlnet"
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
    deshine: DeshineConfig = DeshineConfig()
    lora: LoraConfig = LoraConfig()
    guard: GeometryGuardConfig = GeometryGuardConfig()

    @model_validator(mode="after")
    def _resolution_multiple_of_8(self) -> SdxlControlNetConfig:
        if self.resolution % 8:
            raise ValueError(f"resolution {self.resolution} must be a multiple of 8, e.g. 1024")
        if self.vae_tile % 64:
            raise ValueError(f"vae_tile {self.vae_tile} must be a multiple of 64, e.g. 512, or 0")
        return self


@STYLIZERS.register
class SdxlControlNetStylizer(Stylizer):
    """GPU: SDXL + depth/Canny ControlNets (+ style LoRA) with the silhouette-IoU retry guard."""

    name = NAME
    params = SdxlControlNetConfig
    requirements = Requirements(
        packages=("torch", "diffusers", "transformers"), models=MODELS, gpu=True
    )

    def __init__(self, config: SdxlControlNetConfig, models: ModelsConfig | None = None) -> None:
        require_modules(NAME, "torch", "diffusers", "transformers")
        from v2v.models.sdxl import resolve_lora, scheduler_class

        self.config = config
        self.runtime = Runtime.from_config(models or ModelsConfig(), NAME)
        for name in MODELS if config.guard.enabled else MODELS[:4]:
            require(name, self.runtime.model_dir)
        scheduler_class(config.scheduler)
        self.lora = resolve_lora(config.lora.path, self.runtime.model_dir)
        if self.lora is not None:
            require_modules(NAME, "peft")

    def run(self, clean: CleanImage, ctx: RunContext) -> StyledImage:
        """CleanImage (RGB uint8 (H, W, 3)) → StyledImage at the same (H, W)."""
        cfg = self.config
        notes: dict[str, Any] = {
            "backend": NAME,
            "device": self.runtime.device,
            "dtype": self.runtime.dtype_name,
            "seed": ctx.seed,
            "scheduler": cfg.scheduler,
            "steps": cfg.steps,
            "lora": str(self.lora) if self.lora else None,
            "lora_scale": cfg.lora.scale if self.lora else None,
        }
        try:
            with gpu_memory(notes, self.runtime.device):
                styled = self._run(clean, ctx, notes)
        finally:
            release_after_run(self.runtime, ("sdxl", "depth", "birefnet"))
        return StyledImage(styled.pixels, styled.mask, styled.edges, notes)

    def _run(self, clean: CleanImage, ctx: RunContext, notes: dict[str, Any]) -> StyledImage:
        from v2v.models import birefnet, depth
        from v2v.models.runtime import run_with_oom_retry

        cfg, height, width = self.config, *clean.pixels.shape[:2]
        size = control_size(width, height, cfg.resolution)
        deshined = deshine(clean.pixels, cfg.deshine)
        depth_map = run_with_oom_retry(
            "depth", lambda: depth.depth_map(clean.pixels, self.runtime, NAME)
        )
        depth_control, canny_control = control_images(depth_map, deshined, size, cfg)
        notes["control_size"] = list(size)
        ctx.report("phase2", 0.2, "control images")

        def generate(depth_weight: float, canny_weight: float) -> NDArray[np.uint8]:
            ctx.check_cancelled()
            image = run_with_oom_retry(
                "SDXL",
                lambda: self._generate(
                    depth_control, canny_control, depth_weight, canny_weight, ctx.seed, notes
                ),
            )
            return np.asarray(
                cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), np.uint8
            )

        def mask_of(image: NDArray[np.uint8]) -> Mask:
            return birefnet.vehicle_mask(
                image, GUARD_MASK_THRESHOLD, cfg.guard.mask_resolution, True, self.runtime, NAME
            )

        result = guarded_generation(
            generate,
            mask_of,
            clean.vehicle_mask,
            (cfg.controlnet.depth_weight, cfg.controlnet.canny_weight),
            cfg.guard,
            ctx.check_cancelled,
        )
        notes.update(result.notes())
        edges = cv2.Canny(
            cv2.cvtColor(deshined, cv2.COLOR_RGB2GRAY),
            cfg.controlnet.canny_low,
            cfg.controlnet.canny_high,
        )
        edges[~clean.vehicle_mask] = 0
        return StyledImage(
            result.image, clean.vehicle_mask.copy(), np.asarray(edges, np.uint8), notes
        )

    def _generate(
        self,
        depth_control: NDArray[np.uint8],
        canny_control: NDArray[np.uint8],
        depth_weight: float,
        canny_weight: float,
        seed: int,
        notes: dict[str, Any],
    ) -> NDArray[np.uint8]:
        """One SDXL call; fetches the pipeline from the cache so an OOM retry can reload it."""
        from v2v.models import sdxl

        cfg = self.config
        pipeline, attention = sdxl.load(self.runtime, cfg.attention, cfg.cpu_offload, cfg.vae_tile)
        notes["attention"] = attention
        job = sdxl.Generation(
            cfg.prompt,
            cfg.negative_prompt,
            depth_control,
            canny_control,
            depth_weight,
            canny_weight,
            cfg.controlnet.canny_end,
            cfg.steps,
            cfg.guidance_scale,
            seed,
        )
        with pipeline.lock:
            pipeline.use_scheduler(cfg.scheduler)
            pipeline.use_lora(self.lora, cfg.lora.scale)
            return pipeline.generate(job)


def control_images(
    depth_map: NDArray[np.uint8],
    deshined: NDArray[np.uint8],
    size: tuple[int, int],
    config: SdxlControlNetConfig,
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Depth (uint8 (h, w), 0..255) and Canny (uint8 (h, w), 0/255) control images at
    ``size`` = (w, h); Canny runs on the resized de-shined image so edges stay one px thin."""
    depth = cv2.resize(depth_map, size, interpolation=cv2.INTER_CUBIC)
    grey = cv2.cvtColor(
        cv2.resize(deshined, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
    )
    canny = cv2.Canny(grey, config.controlnet.canny_low, config.controlnet.canny_high)
    return np.asarray(depth, np.uint8), np.asarray(canny, np.uint8)


def control_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """(width, height) with the long side at ``long_side`` px, aspect kept, multiples of 8."""
    scale = long_side / max(width, height)
    return (max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8))


def deshine(pixels: NDArray[np.uint8], params: DeshineConfig) -> NDArray[np.uint8]:
    """De-shine RGB uint8 (H, W, 3): the CPU backend's de-shined lightness (bilateral filter
    then CLAHE on Lab lightness) put back with the photo's colour, so reflections and glare do
    not become Canny edges."""
    lab = cv2.cvtColor(pixels, cv2.COLOR_RGB2LAB)
    lab[..., 0] = deshine_lightness(pixels, params)
    return np.asarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), dtype=np.uint8)
