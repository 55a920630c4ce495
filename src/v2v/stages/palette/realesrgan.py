"""Phase III upscaling with an ESRGAN-family model from ``realesrgan/`` (spandrel or built-in
Real-ESRGAN architectures), run in overlapping tiles so 1024 → 4096 fits in modest memory.

Used by ``phase3.upscale.method: spandrel``. Input and output are RGB uint8; the model's own
scale (e.g. 4) is resized to the requested factor when they differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.config_sections import ModelsConfig
from v2v.errors import InputError
from v2v.models.layout import find_weights, require
from v2v.models.runtime import (
    CACHE,
    Runtime,
    cache_key,
    import_torch,
    release_after_run,
    run_with_oom_retry,
)

NAME = "realesrgan"
TILE = 256
OVERLAP = 16


def model_file(model_dir: Path, factor: int) -> Path:
    """The upscaler file in ``realesrgan/``: the only one, else the one named 'x<factor>'."""
    folder = require("realesrgan", model_dir)
    files = find_weights(folder, ("*.pth", "*.safetensors"))
    if len(files) == 1:
        return files[0]
    named = [p for p in files if f"x{factor}" in p.name.lower()]
    if len(named) == 1:
        return named[0]
    raise InputError(
        f"{folder} holds {len(files)} upscaler files "
        f"({', '.join(p.name for p in files)}); keep one, or exactly one whose name "
        f"contains 'x{factor}' for phase3.upscale.factor {factor}"
    )


def tiled(run: Any, image: Any, scale: int, tile: int = TILE, overlap: int = OVERLAP) -> Any:
    """Apply ``run`` ((1, 3, h, w) → (1, 3, h·s, w·s)) to a (1, 3, H, W) tensor tile by tile;
    each tile sees ``overlap`` px of context on every side, only its centre is kept."""
    _, channels, height, width = image.shape
    out = image.new_zeros((1, channels, height * scale, width * scale))
    for y0 in range(0, height, tile):
        for x0 in range(0, width, tile):
            y1, x1 = min(y0 + tile, height), min(x0 + tile, width)
            ya, xa = max(0, y0 - overlap), max(0, x0 - overlap)
            yb, xb = min(height, y1 + overlap), min(width, x1 + overlap)
            result = run(image[:, :, ya:yb, xa:xb])
            oy, ox = (y0 - ya) * scale, (x0 - xa) * scale
            out[:, :, y0 * scale : y1 * scale, x0 * scale : x1 * scale] = result[
                :, :, oy : oy + (y1 - y0) * scale, ox : ox + (x1 - x0) * scale
            ]
    return out


class SpandrelUpscaler:
    """An ESRGAN-family model from the model directory; cached across runs."""

    def __init__(self, models: ModelsConfig | None = None, tile: int = TILE) -> None:
        self.runtime = Runtime.from_config(models or ModelsConfig(), NAME)
        require("realesrgan", self.runtime.model_dir)
        self.tile = tile
        self.loader = ""

    def _model(self, path: Path) -> tuple[Any, int]:
        from v2v.models import esrgan

        def load() -> tuple[Any, int, str]:
            return esrgan.load(path, self.runtime.device)

        model, scale, self.loader = CACHE.get(cache_key("realesrgan", path, self.runtime), load)
        return model, scale

    def upscale(self, pixels: NDArray[np.uint8], factor: int) -> NDArray[np.uint8]:
        """RGB uint8 (H, W, 3) → RGB uint8 (factor·H, factor·W, 3)."""
        if factor < 1:
            raise InputError(f"upscale factor must be 1 or more, got {factor}")
        try:
            return run_with_oom_retry("Real-ESRGAN", lambda: self._upscale(pixels, factor))
        finally:
            release_after_run(self.runtime, ("realesrgan",))

    def _upscale(self, pixels: NDArray[np.uint8], factor: int) -> NDArray[np.uint8]:
        torch = import_torch(NAME)
        model, scale = self._model(model_file(self.runtime.model_dir, factor))
        height, width = pixels.shape[:2]
        image = torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1))[None])
        image = image.to(self.runtime.device, torch.float32) / 255.0
        with torch.inference_mode():
            result = tiled(model, image, scale, self.tile)
        array = result[0].clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
        if scale != factor:
            interpolation = cv2.INTER_AREA if scale > factor else cv2.INTER_CUBIC
            array = cv2.resize(
                array, (width * factor, height * factor), interpolation=interpolation
            )
        return np.ascontiguousarray(array, dtype=np.uint8)


def upscale_spandrel(
    pixels: NDArray[np.uint8], factor: int, models: ModelsConfig | None = None
) -> NDArray[np.uint8]:
    """Convenience: RGB uint8 (H, W, 3) → (factor·H, factor·W, 3) with the model directory's
    upscaler (``models`` gives the directory and device; default: $MODEL_VOLUME_PATH, auto)."""
    return SpandrelUpscaler(models).upscale(pixels, factor)
