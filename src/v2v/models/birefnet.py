"""BiRefNet vehicle (foreground) mask from ``birefnet/``: an ONNX export or a transformers folder.

Input: RGB resized to (R, R), ImageNet mean/std, (1, 3, R, R) float. Output: logits whose
sigmoid is the foreground probability; the last (finest) map is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from v2v.models.hf import load_model
from v2v.models.layout import find_weights, require
from v2v.models.onnx import onnx_session
from v2v.models.runtime import CACHE, Runtime, cache_key, import_torch

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def _model(runtime: Runtime, backend: str) -> tuple[str, Any]:
    folder = require("birefnet", runtime.model_dir)
    onnx_files = find_weights(folder, ("*.onnx",))
    if onnx_files:
        path = onnx_files[0]
        return "onnx", CACHE.get(
            cache_key("birefnet", path, runtime), lambda: onnx_session(path, runtime)
        )

    def load() -> Any:
        # BiRefNet ships its architecture as code beside the weights (auto_map in config.json)
        return load_model(
            "AutoModelForImageSegmentation", folder, runtime, backend, trust_remote_code=True
        )

    return "torch", CACHE.get(cache_key("birefnet", Path(folder), runtime), load)


def probability(
    pixels: NDArray[np.uint8], resolution: int, runtime: Runtime, backend: str
) -> NDArray[np.float32]:
    """Foreground probability, float32 (H, W) in 0..1, for an RGB uint8 (H, W, 3) image."""
    height, width = pixels.shape[:2]
    kind, model = _model(runtime, backend)
    resized = cv2.resize(pixels, (resolution, resolution), interpolation=cv2.INTER_AREA)
    batch = ((resized.astype(np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1)[None]
    if kind == "onnx":
        logits = np.asarray(model.run({model.inputs()[0].name: batch})[-1])
    else:
        logits = _torch_logits(model, batch, runtime, backend)
    prob = 1.0 / (1.0 + np.exp(-logits.reshape(logits.shape[-2:]).astype(np.float32)))
    return np.asarray(cv2.resize(prob, (width, height), interpolation=cv2.INTER_LINEAR), np.float32)


def _torch_logits(
    model: Any, batch: NDArray[np.float32], runtime: Runtime, backend: str
) -> NDArray[np.float32]:
    torch = import_torch(backend)
    tensor = torch.from_numpy(batch).to(runtime.device, runtime.dtype)
    with torch.inference_mode():
        out = model(tensor)
    if hasattr(out, "logits"):
        out = out.logits
    if isinstance(out, list | tuple):
        out = out[-1]
    return np.asarray(out.float().cpu().numpy())


def vehicle_mask(
    pixels: NDArray[np.uint8],
    threshold: float,
    resolution: int,
    fill_holes: bool,
    runtime: Runtime,
    backend: str,
) -> NDArray[np.bool_]:
    """Bool (H, W) vehicle mask: probability above ``threshold``, components under 5 % of the
    largest dropped, holes (windows seen through) filled when asked."""
    mask = probability(pixels, resolution, runtime, backend) > threshold
    labels, count = ndimage.label(mask)
    if count > 1:
        sizes = np.bincount(labels.ravel())[1:]
        keep = np.flatnonzero(sizes >= 0.05 * sizes.max()) + 1
        mask = np.isin(labels, keep)
    if fill_holes:
        mask = ndimage.binary_fill_holes(mask)
    return np.asarray(mask, dtype=bool)
