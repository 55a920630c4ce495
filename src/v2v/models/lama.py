"""big-lama inpainting from a TorchScript (.pt/.jit) or ONNX (.onnx) file in ``lama/``.

Both take the image as RGB float 0..1 (1, 3, H, W) and the mask as float 0/1 (1, 1, H, W) and
return RGB (1, 3, H, W). TorchScript exports (IOPaint's big-lama.pt) accept any size padded to a
multiple of 8; ONNX exports with a fixed input size get the image resized to that size.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from v2v.errors import InputError, StageFailed, WeightsMissing
from v2v.models.layout import find_weights, require
from v2v.models.onnx import onnx_session
from v2v.models.runtime import CACHE, Runtime, cache_key, import_torch

BACKEND = "grounded-sam-lama"
_PATTERNS = ("*.pt", "*.jit", "*.onnx")


def lama_file(runtime: Runtime, name: str = "") -> Path:
    """The big-lama file: ``lama/<name>``, or the only TorchScript/ONNX file in ``lama/``."""
    folder = require("lama", runtime.model_dir)
    if name:
        path = folder / name
        if not path.is_file():
            raise WeightsMissing(
                f"phase1.inpaint.file: {path} does not exist; files in "
                f"{folder}: {', '.join(p.name for p in folder.iterdir())}"
            )
        return path
    found = find_weights(folder, _PATTERNS)
    if len(found) > 1:
        raise InputError(
            f"{folder} holds several LaMa files ({', '.join(p.name for p in found)});"
            " name one with phase1.inpaint.file"
        )
    return found[0]


def _load(path: Path, runtime: Runtime) -> Any:
    if path.suffix == ".onnx":
        return onnx_session(path, runtime)
    torch = import_torch(BACKEND)
    try:
        with warnings.catch_warnings():  # TorchScript is how big-lama is distributed
            warnings.simplefilter("ignore", DeprecationWarning)
            model = torch.jit.load(str(path), map_location=runtime.device)
    except RuntimeError as exc:
        raise WeightsMissing(
            f"{path} is not a TorchScript file ({exc}); LaMa must be a "
            "TorchScript big-lama.pt or an ONNX export"
        ) from None
    return model.eval()


def _pad_to(array: NDArray[Any], multiple: int) -> NDArray[Any]:
    height, width = array.shape[:2]
    pad_h, pad_w = -height % multiple, -width % multiple
    widths = ((0, pad_h), (0, pad_w)) + ((0, 0),) * (array.ndim - 2)
    return np.pad(array, widths, mode="symmetric")


def inpaint(
    pixels: NDArray[np.uint8], mask: NDArray[np.bool_], runtime: Runtime, name: str = ""
) -> NDArray[np.uint8]:
    """Fill ``mask`` (bool (H, W)) in RGB uint8 (H, W, 3); pixels outside the mask are kept."""
    if not mask.any():
        return pixels.copy()
    path = lama_file(runtime, name)
    model = CACHE.get(cache_key("lama", path, runtime), lambda: _load(path, runtime))
    if path.suffix == ".onnx":
        filled = _run_onnx(model, pixels, mask)
    else:
        filled = _run_torchscript(model, pixels, mask, runtime)
    out = pixels.copy()
    out[mask] = filled[mask]
    return out


def _run_torchscript(
    model: Any, pixels: NDArray[np.uint8], mask: NDArray[np.bool_], runtime: Runtime
) -> NDArray[np.uint8]:
    torch = import_torch(BACKEND)
    height, width = mask.shape
    image = _pad_to(pixels.astype(np.float32) / 255.0, 8)
    hole = _pad_to(mask.astype(np.float32), 8)
    image_t = torch.from_numpy(image.transpose(2, 0, 1)[None]).to(runtime.device)
    mask_t = torch.from_numpy(hole[None, None]).to(runtime.device)
    with torch.inference_mode():
        result = model(image_t, mask_t)
    array = result[0].float().permute(1, 2, 0).cpu().numpy()[:height, :width]
    return _to_uint8(array)


def _run_onnx(
    session: Any, pixels: NDArray[np.uint8], mask: NDArray[np.bool_]
) -> NDArray[np.uint8]:
    height, width = mask.shape
    inputs = session.get_inputs()
    side_h, side_w = inputs[0].shape[2], inputs[0].shape[3]
    fixed = isinstance(side_h, int) and isinstance(side_w, int)
    if fixed:
        image = cv2.resize(pixels, (side_w, side_h), interpolation=cv2.INTER_AREA)
        hole = cv2.resize(mask.astype(np.uint8), (side_w, side_h), interpolation=cv2.INTER_NEAREST)
    else:
        image, hole = _pad_to(pixels, 8), _pad_to(mask.astype(np.uint8), 8)
    feed = {
        inputs[0].name: (image.astype(np.float32) / 255.0).transpose(2, 0, 1)[None],
        inputs[1].name: (hole > 0).astype(np.float32)[None, None],
    }
    array = session.run(None, feed)[0][0].transpose(1, 2, 0)
    array = _to_uint8(array)
    if fixed:
        array = cv2.resize(array, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.asarray(array[:height, :width], dtype=np.uint8)


def _to_uint8(array: NDArray[np.floating[Any]]) -> NDArray[np.uint8]:
    """Model output to uint8: exports return 0..1 floats, some (e.g. LaMa-ONNX) 0..255."""
    if not np.isfinite(array).all():
        raise StageFailed("LaMa returned NaN/inf pixels; check the weights file (fp16 on CPU?)")
    scale = 1.0 if float(array.max()) > 2.0 else 255.0
    return np.clip(array * scale, 0, 255).round().astype(np.uint8)
