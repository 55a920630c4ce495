"""GroundingDINO (open-set detection) and SAM (box-prompted masks) through transformers."""

from __future__ import annotations

import functools
import inspect
import logging
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.models.hf import image_inputs, load_model, load_processor
from v2v.models.layout import require
from v2v.models.runtime import CACHE, Runtime, cache_key, import_torch

BACKEND = "grounded-sam-lama"
log = logging.getLogger("v2v.models")


@dataclass(frozen=True)
class Detection:
    """One detected box in pixel coordinates of the input image (x0, y0, x1, y1, floats)."""

    kind: str
    box: tuple[float, float, float, float]
    score: float
    label: str


def _detector(runtime: Runtime) -> tuple[Any, Any, Runtime]:
    """(processor, model, the runtime it runs in): fp32 when transformers lacks the half-precision
    fix (see ``half_precision_works``)."""
    folder = require("grounding-dino", runtime.model_dir)
    if runtime.dtype_name != "float32" and not half_precision_works():
        torch = import_torch(BACKEND)
        _warn_float32(runtime.dtype_name)
        runtime = replace(runtime, dtype=torch.float32)

    def load() -> tuple[Any, Any]:
        processor = load_processor(folder, BACKEND)
        model = load_model("AutoModelForZeroShotObjectDetection", folder, runtime, BACKEND)
        return processor, model

    return (*CACHE.get(cache_key("grounding-dino", folder, runtime), load), runtime)


@functools.cache
def _warn_float32(dtype_name: str) -> None:
    log.warning(
        "GroundingDINO runs in float32: this transformers release builds its sampling grids in "
        "float32, which crashes grid_sample in %s; upgrade transformers to run it in %s",
        dtype_name,
        dtype_name,
    )


def half_precision_works() -> bool:
    """Whether transformers' GroundingDINO can run in fp16/bf16.

    Releases before huggingface/transformers#48438 built ``valid_ratios`` and the reference-point
    grids in float32 whatever the model's dtype, so ``grid_sample`` got a float32 grid against
    half-precision values and raised. The fix gave ``get_valid_ratio`` a ``dtype`` parameter,
    which is what is checked here.
    """
    from transformers.models.grounding_dino import modeling_grounding_dino as module

    return "dtype" in inspect.signature(module.GroundingDinoModel.get_valid_ratio).parameters


def text_query(prompts: tuple[str, ...]) -> str:
    """GroundingDINO's query format: lower-case phrases, each ending with a period."""
    return " ".join(f"{p.strip().lower().rstrip('.')}." for p in prompts)


def kind_of(label: str, prompts: tuple[str, ...]) -> str:
    """The prompt a predicted label belongs to, as a snake_case kind ('licence_plate')."""
    label = label.lower()
    matches = [p for p in prompts if p.lower() in label]
    if not matches:
        words = set(label.split())
        scored = sorted(prompts, key=lambda p: -len(words & set(p.lower().split())))
        matches = [scored[0]] if words & set(scored[0].lower().split()) else []
    chosen = max(matches, key=len) if matches else "object"
    return chosen.replace(" ", "_")


def detect(
    pixels: NDArray[np.uint8],
    prompts: tuple[str, ...],
    box_threshold: float,
    text_threshold: float,
    runtime: Runtime,
) -> list[Detection]:
    """Boxes of ``prompts`` in an RGB uint8 (H, W, 3) image, best score first."""
    torch = import_torch(BACKEND)
    from PIL import Image

    processor, model, runtime = _detector(runtime)
    height, width = pixels.shape[:2]
    inputs = processor(
        images=Image.fromarray(pixels), text=text_query(prompts), return_tensors="pt"
    )
    with torch.inference_mode():
        outputs = model(**image_inputs(inputs, runtime))
    outputs.logits = outputs.logits.float()
    outputs.pred_boxes = outputs.pred_boxes.float()
    with warnings.catch_warnings():  # transformers warns about its own deprecated 'labels' key
        warnings.simplefilter("ignore", FutureWarning)
        result = processor.post_process_grounded_object_detection(
            outputs,
            inputs["input_ids"].to(runtime.device),
            threshold=box_threshold,
            text_threshold=text_threshold,
            target_sizes=[(height, width)],
        )[0]
    labels = result["text_labels"] if "text_labels" in result else result["labels"]
    found = []
    for box, score, label in zip(
        result["boxes"].tolist(), result["scores"].tolist(), labels, strict=True
    ):
        x0, y0, x1, y1 = (float(v) for v in box)
        box_clipped = (max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1))
        if box_clipped[2] > box_clipped[0] and box_clipped[3] > box_clipped[1]:
            found.append(
                Detection(kind_of(str(label), prompts), box_clipped, float(score), str(label))
            )
    return sorted(found, key=lambda d: -d.score)


def _segmenter(runtime: Runtime) -> tuple[Any, Any]:
    folder = require("sam", runtime.model_dir)

    def load() -> tuple[Any, Any]:
        return load_processor(folder, BACKEND), load_model("SamModel", folder, runtime, BACKEND)

    return CACHE.get(cache_key("sam", folder, runtime), load)


def segment(
    pixels: NDArray[np.uint8], boxes: list[tuple[float, float, float, float]], runtime: Runtime
) -> NDArray[np.bool_]:
    """SAM masks for ``boxes`` (pixel x0, y0, x1, y1) in an RGB uint8 (H, W, 3) image, united
    into one bool (H, W) mask.

    The image goes in as RGB; the processor rescales the boxes to SAM's 1024-px input frame
    (the step the original skipped) and maps the low-resolution masks back to (H, W).
    """
    height, width = pixels.shape[:2]
    if not boxes:
        return np.zeros((height, width), dtype=bool)
    torch = import_torch(BACKEND)
    from PIL import Image

    processor, model = _segmenter(runtime)
    inputs = processor(
        images=Image.fromarray(pixels), input_boxes=[[list(b) for b in boxes]], return_tensors="pt"
    )
    with torch.inference_mode():
        outputs = model(**image_inputs(inputs, runtime), multimask_output=False)
    masks = processor.image_processor.post_process_masks(
        outputs.pred_masks.float().cpu(), inputs["original_sizes"], inputs["reshaped_input_sizes"]
    )[0]
    # (boxes, 1, H, W) -> (boxes, H, W) -> (H, W)
    per_box = np.asarray(masks.numpy(), dtype=bool).reshape(len(boxes), height, width)
    return np.asarray(per_box.any(axis=0), dtype=bool)
