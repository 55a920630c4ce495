"""Phase II on a GPU: SDXL with depth and Canny ControlNets, an optional style LoRA and the
geometry guard.

Data flow: clean image → depth map (0..255) and Canny of the de-shined image, both at
``resolution`` px on the long side (aspect kept, multiples of 8) → SDXL (depth 0.6 for all steps,
Canny 0.4 released at 75 % through ``control_guidance_end``) → back to the working size →
BiRefNet mask of the result → IoU guard (retry with stronger weights) → StyledImage.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import CleanImage, Mask, StyledImage
from v2v.context import RunContext
from v2v.models.layout import require
from v2v.models.params import DeshineParams, ModelsConfig, SdxlControlNetConfig
from v2v.models.runtime import Runtime, gpu_memory, release_after_run, require_modules
from v2v.stages import STYLIZERS
from v2v.stages.stylize.classical import deshine as deshine_lightness
from v2v.stages.stylize.geometry_guard import guarded_generation

NAME = "sdxl-controlnet"
MODELS = ("sdxl", "controlnet-depth", "controlnet-canny", "depth", "birefnet")
GUARD_MASK_THRESHOLD = 0.5


@STYLIZERS.register(NAME)
class SdxlControlNetStylizer:
    """GPU: SDXL + depth/Canny ControlNets (+ style LoRA) with the silhouette-IoU retry guard."""

    uses_models = True

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


def deshine(pixels: NDArray[np.uint8], params: DeshineParams) -> NDArray[np.uint8]:
    """De-shine RGB uint8 (H, W, 3): the CPU backend's de-shined lightness (bilateral filter
    then CLAHE on Lab lightness) put back with the photo's colour, so reflections and glare do
    not become Canny edges."""
    lab = cv2.cvtColor(pixels, cv2.COLOR_RGB2LAB)
    lab[..., 0] = deshine_lightness(pixels, params)
    return np.asarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), dtype=np.uint8)
