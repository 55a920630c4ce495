"""Phase I on a GPU: BiRefNet vehicle mask, GroundingDINO boxes, SAM masks, LaMa inpainting.

Weights come from the model directory (``grounding-dino/``, ``sam/``, ``lama/``, ``birefnet/``);
torch and transformers are imported when the backend is built, never when it is registered.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from v2v.artefacts import Box, CleanImage, Mask, Photo, Removal
from v2v.config_sections import ModelsConfig, SanitizerParams, Strict
from v2v.context import RunContext
from v2v.models.layout import require
from v2v.models.runtime import Runtime, gpu_memory, release_after_run, require_modules
from v2v.registry import Requirements
from v2v.stages import SANITIZERS, Sanitizer
from v2v.stages.sanitize.inpaint import detail_loss, dilate
from v2v.stages.sanitize.maskops import only_inside

NAME = "grounded-sam-lama"
MODELS = ("grounding-dino", "sam", "lama", "birefnet")
DEFAULT_PROMPTS = (
    "side view mirror",
    "car logo",
    "brand badge",
    "licence plate",
    "text",
    "sticker",
)


class BirefnetConfig(Strict):
    enabled: bool = Field(True, description="false: the whole image (or its alpha) is the vehicle")
    threshold: float = Field(0.5, gt=0.0, lt=1.0, description="probability that counts as vehicle")
    resolution: int = Field(1024, ge=64, le=2048, description="model input side, px")
    fill_holes: bool = True


class DetectionConfig(Strict):
    prompts: tuple[str, ...] = Field(DEFAULT_PROMPTS, min_length=1)
    box_threshold: float = Field(0.35, ge=0.0, le=1.0)
    text_threshold: float = Field(0.25, ge=0.0, le=1.0)
    max_box_fraction: float = Field(
        0.2, gt=0.0, le=1.0, description="boxes larger than this fraction of the image are ignored"
    )
    inside_vehicle: bool = Field(True, description="keep only boxes that touch the vehicle mask")


class SegmentationConfig(Strict):
    dilation: int = Field(5, ge=0, le=51, description="mask dilation kernel, px")


class LamaConfig(Strict):
    file: str = Field(
        "", description="file under lama/ (.pt TorchScript or .onnx); empty = the only one there"
    )


class GroundedSamLamaConfig(SanitizerParams):
    """The GPU sanitizer's parameters (``phase1.backend: grounded-sam-lama``)."""

    backend: Literal["grounded-sam-lama"] = "grounded-sam-lama"
    vehicle_mask: BirefnetConfig = BirefnetConfig()
    detection: DetectionConfig = DetectionConfig()
    segmentation: SegmentationConfig = SegmentationConfig()
    inpaint: LamaConfig = LamaConfig()


@SANITIZERS.register
class GroundedSamLamaSanitizer(Sanitizer):
    """GPU: GroundingDINO + SAM find mirrors, logos, badges, plates, text, stickers; LaMa fills."""

    name = NAME
    params = GroundedSamLamaConfig
    requirements = Requirements(packages=("torch", "transformers"), models=MODELS, gpu=True)

    def __init__(self, config: GroundedSamLamaConfig, models: ModelsConfig | None = None) -> None:
        require_modules(NAME, "torch", "transformers")
        self.config = config
        self.runtime = Runtime.from_config(models or ModelsConfig(), NAME)
        needed = MODELS if config.vehicle_mask.enabled else MODELS[:3]
        for name in needed:
            require(name, self.runtime.model_dir)

    def run(self, photo: Photo, ctx: RunContext) -> CleanImage:
        """Photo (RGB uint8 (H, W, 3)) → CleanImage with the detected parts inpainted."""
        notes: dict[str, Any] = {
            "backend": NAME,
            "device": self.runtime.device,
            "dtype": self.runtime.dtype_name,
        }
        try:
            with gpu_memory(notes, self.runtime.device):
                clean = self._run(photo, ctx, notes)
        finally:
            release_after_run(self.runtime, ("grounding-dino", "sam", "lama", "birefnet"))
        return CleanImage(
            clean.pixels,
            clean.vehicle_mask,
            clean.removed_mask,
            clean.removals,
            clean.limitations,
            clean.detail_loss,
            notes,
        )

    def _run(self, photo: Photo, ctx: RunContext, notes: dict[str, Any]) -> CleanImage:
        from v2v.models import grounding, lama
        from v2v.models.runtime import run_with_oom_retry

        pixels, cfg = photo.pixels, self.config
        vehicle = self._vehicle_mask(photo)
        ctx.report("phase1", 0.25, "vehicle mask")
        ctx.check_cancelled()
        found = run_with_oom_retry(
            "GroundingDINO",
            lambda: grounding.detect(
                pixels,
                cfg.detection.prompts,
                cfg.detection.box_threshold,
                cfg.detection.text_threshold,
                self.runtime,
            ),
        )
        kept = self._filter(found, vehicle)
        notes["detections"] = len(found)
        ctx.report("phase1", 0.5, f"{len(kept)} part(s) to remove")
        ctx.check_cancelled()
        boxes = [d.box for d in kept]
        segmented = run_with_oom_retry(
            "SAM", lambda: grounding.segment(pixels, boxes, self.runtime)
        )
        removed = dilate(
            segmented & within_boxes(boxes, pixels.shape[:2], cfg.segmentation.dilation),
            cfg.segmentation.dilation,
        )
        ctx.report("phase1", 0.75, "inpainting")
        ctx.check_cancelled()
        filled = run_with_oom_retry(
            "LaMa", lambda: lama.inpaint(pixels, removed, self.runtime, cfg.inpaint.file)
        )
        removals = tuple(Removal(d.kind, _int_box(d.box), d.score, d.label) for d in kept)
        notes["removed_pixels"] = int(removed.sum())
        limitation = ("open-set detection looked only for: " + ", ".join(cfg.detection.prompts),)
        return CleanImage(
            filled,
            vehicle,
            removed,
            removals,
            limitation,
            detail_loss(pixels, filled, vehicle),
            notes,
        )

    def _vehicle_mask(self, photo: Photo) -> Mask:
        """BiRefNet's vehicle inside the hint box; a cut-out's alpha wins over it, as in every
        backend (:meth:`Photo.alpha_or_all`: it already says where the vehicle is)."""
        from v2v.models import birefnet

        cfg = self.config.vehicle_mask
        if not cfg.enabled or photo.alpha is not None:
            return photo.alpha_or_all()
        mask = birefnet.vehicle_mask(
            photo.pixels, cfg.threshold, cfg.resolution, cfg.fill_holes, self.runtime, NAME
        )
        return mask if photo.hint is None else only_inside(mask, photo.hint)

    def _filter(self, found: list[Any], vehicle: Mask) -> list[Any]:
        """Drop boxes that are too large to be a part, or that do not touch the vehicle."""
        height, width = vehicle.shape
        limit = self.config.detection.max_box_fraction * height * width
        kept = []
        for detection in found:
            box = _int_box(detection.box)
            if (box.x1 - box.x0) * (box.y1 - box.y0) > limit:
                continue
            if (
                self.config.detection.inside_vehicle
                and not vehicle[box.y0 : box.y1, box.x0 : box.x1].any()
            ):
                continue
            kept.append(detection)
        return kept


def _int_box(box: tuple[float, float, float, float]) -> Box:
    x0, y0, x1, y1 = box
    return Box(int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)), int(np.ceil(y1)))


def within_boxes(
    boxes: list[tuple[float, float, float, float]], shape: tuple[int, ...], margin: int
) -> Mask:
    """Bool (H, W): True inside any box grown by ``margin`` px (SAM masks may spill outside)."""
    out = np.zeros(shape[:2], dtype=bool)
    for box in boxes:
        b = _int_box(box)
        out[max(0, b.y0 - margin) : b.y1 + margin, max(0, b.x0 - margin) : b.x1 + margin] = True
    return out
