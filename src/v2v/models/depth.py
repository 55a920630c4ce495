"""Monocular depth from a transformers depth model in ``depth/`` (Depth Anything V2, DPT, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.errors import StageFailed
from v2v.models.hf import image_inputs, load_model, load_processor
from v2v.models.layout import require
from v2v.models.runtime import CACHE, Runtime, cache_key, import_torch


def _depth_model(runtime: Runtime, backend: str) -> tuple[Any, Any]:
    folder = require("depth", runtime.model_dir)

    def load() -> tuple[Any, Any]:
        processor = load_processor(folder, backend)
        return processor, load_model("AutoModelForDepthEstimation", folder, runtime, backend)

    return CACHE.get(cache_key("depth", folder, runtime), load)


def depth_map(pixels: NDArray[np.uint8], runtime: Runtime, backend: str) -> NDArray[np.uint8]:
    """Depth control image: uint8 (H, W), min-max scaled to the full 0..255 range, near = bright,
    for an RGB uint8 (H, W, 3) image.

    Relative models (Depth Anything, DPT) predict inverse depth, used as it is; metric models
    (``depth_estimation_type: metric`` in their config) predict distance, which is inverted first
    so near stays bright. A prediction with NaN/inf or no depth range raises StageFailed: a black
    control image would steer SDXL with nothing.
    """
    torch = import_torch(backend)
    from PIL import Image

    processor, model = _depth_model(runtime, backend)
    height, width = pixels.shape[:2]
    inputs = processor(images=Image.fromarray(pixels), return_tensors="pt")
    with torch.inference_mode():
        predicted = model(**image_inputs(inputs, runtime)).predicted_depth
    resized = torch.nn.functional.interpolate(
        predicted.float().reshape(1, 1, *predicted.shape[-2:]),
        size=(height, width),
        mode="bicubic",
        align_corners=False,
    )[0, 0]
    depth = resized.cpu().numpy().astype(np.float64)
    if not np.isfinite(depth).all():
        raise StageFailed(
            f"the depth model in {runtime.model_dir / 'depth'} returned NaN/inf "
            f"({runtime.dtype_name}); set models.precision: fp32 or bf16, or check the weights"
        )
    if is_metric(model):
        depth = 1.0 / np.maximum(depth, 1e-3)  # metres → inverse depth: near is large
    low, high = float(depth.min()), float(depth.max())
    if high - low < 1e-12 * max(1.0, abs(high)):
        raise StageFailed(
            f"the depth model in {runtime.model_dir / 'depth'} returned a flat map (every pixel "
            f"{low:.4g}): no depth for the ControlNet; check the depth/ weights"
        )
    return np.round((depth - low) / (high - low) * 255.0).astype(np.uint8)


def is_metric(model: Any) -> bool:
    """Whether the model predicts metric distance (far = large) rather than relative inverse
    depth (near = large): transformers' ``depth_estimation_type`` (Depth Anything V2 metric)."""
    return getattr(model.config, "depth_estimation_type", "relative") == "metric"
