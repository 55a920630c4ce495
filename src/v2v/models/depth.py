"""Monocular depth from a transformers depth model in ``depth/`` (Depth Anything V2, DPT, ...)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

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
    """Depth control image: uint8 (H, W), min-max scaled to the full 0..255 range, near = bright
    (the model's relative inverse depth), for an RGB uint8 (H, W, 3) image.

    The original passed the 0..1 float map as uint8, a black image; this one spans 0..255.
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
    low, high = float(depth.min()), float(depth.max())
    if not np.isfinite([low, high]).all() or high - low < 1e-12:
        return np.zeros((height, width), dtype=np.uint8)
    return np.round((depth - low) / (high - low) * 255.0).astype(np.uint8)
