"""big-lama inpainting from a TorchScript (.pt/.jit) or ONNX (.onnx) file in ``lama/``.

Both take the image as RGB float 0..1 (1, 3, H, W) and the mask as float 0/1 (1, 1, H, W) and
return RGB (1, 3, H, W). TorchScript exports (IOPaint's big-lama.pt) and ONNX exports with free
axes take the whole image padded to a multiple of 8. ONNX exports with a fixed input size
(Carve/LaMa-ONNX: 512×512) work on windows of the model's aspect ratio around the mask's
components: at 1:1 when the component and its context fit the model's size, else scaled down
uniformly (aspect kept); a hole shrinks by coverage, so a 1-px line stays a hole; the fill is
scaled back and pasted into the mask only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

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


def _run_onnx(model: Any, pixels: NDArray[np.uint8], mask: NDArray[np.bool_]) -> NDArray[np.uint8]:
    height, width = mask.shape
    side_h, side_w = model.inputs()[0].shape[2:4]
    if not (isinstance(side_h, int) and isinstance(side_w, int)):
        whole = _onnx_fill(model, _pad_to(pixels, 8), _pad_to(mask.astype(np.float32), 8))
        return whole[:height, :width]
    out = pixels.copy()
    for window in fill_windows(mask, (side_w, side_h)):
        y0, y1, x0, x1 = window.box
        crop: NDArray[Any] = np.pad(out[y0:y1, x0:x1], (*window.padding, (0, 0)), mode="symmetric")
        hole: NDArray[Any] = np.pad(mask[y0:y1, x0:x1].astype(np.float32), window.padding)
        if crop.shape[:2] != (side_h, side_w):
            crop = cv2.resize(crop, (side_w, side_h), interpolation=cv2.INTER_AREA)
            hole = cv2.resize(hole, (side_w, side_h), interpolation=cv2.INTER_AREA)
        filled: NDArray[Any] = _onnx_fill(model, crop, hole)
        size = (x1 - x0 + sum(window.padding[1]), y1 - y0 + sum(window.padding[0]))
        if filled.shape[1::-1] != size:
            filled = cv2.resize(filled, size, interpolation=cv2.INTER_CUBIC)
        top, left = window.padding[0][0], window.padding[1][0]
        region = filled[top : top + y1 - y0, left : left + x1 - x0]
        inside = window.paste[y0:y1, x0:x1]
        out[y0:y1, x0:x1][inside] = region[inside]
    return out


def _onnx_fill(model: Any, image: NDArray[Any], hole: NDArray[Any]) -> NDArray[np.uint8]:
    """One ONNX call: RGB uint8 (h, w, 3) and hole coverage (h, w) → RGB uint8 (h, w, 3)."""
    names = [i.name for i in model.inputs()]
    feed = {
        names[0]: (image.astype(np.float32) / 255.0).transpose(2, 0, 1)[None],
        names[1]: (hole > 0).astype(np.float32)[None, None],
    }
    return _to_uint8(model.run(feed)[0][0].transpose(1, 2, 0))


@dataclass(frozen=True)
class Window:
    """A region of the image for a fixed-size model: ``box`` (y0, y1, x0, x1) inside the image,
    ``padding`` ((top, bottom), (left, right)) that brings it to the model's aspect ratio, and
    ``paste``: the bool (H, W) mask pixels this window fills (components wholly inside it)."""

    box: tuple[int, int, int, int]
    padding: tuple[tuple[int, int], tuple[int, int]]
    paste: NDArray[np.bool_]


def fill_windows(mask: NDArray[np.bool_], size: tuple[int, int]) -> list[Window]:
    """Windows of the model's aspect ratio (``size`` = (w, h)) that together fill every mask
    component, each with context around it (a quarter of its long side, at least 16 px)."""
    labels, _ = ndimage.label(mask)
    objects = ndimage.find_objects(labels)
    done = np.zeros(mask.shape, dtype=bool)
    windows = []
    for index, found in enumerate(objects, start=1):
        if found is None or done[found][labels[found] == index].all():
            continue
        box, padding = _window_around(found, mask.shape, size)
        y0, y1, x0, x1 = box
        inside = {int(v) for v in np.unique(labels[y0:y1, x0:x1]) if v}
        whole = [i for i in inside if _within(objects[i - 1], box)]
        paste = np.isin(labels, whole) & ~done
        done |= paste
        windows.append(Window(box, padding, paste))
    return windows


def _within(found: tuple[slice, ...] | None, box: tuple[int, int, int, int]) -> bool:
    if found is None:
        return False
    ys, xs = found
    return ys.start >= box[0] and ys.stop <= box[1] and xs.start >= box[2] and xs.stop <= box[3]


def _window_around(
    found: tuple[slice, ...], shape: tuple[int, ...], size: tuple[int, int]
) -> tuple[tuple[int, int, int, int], tuple[tuple[int, int], tuple[int, int]]]:
    ys, xs = found
    margin = max(16, (max(ys.stop - ys.start, xs.stop - xs.start) + 3) // 4)
    need_h, need_w = ys.stop - ys.start + 2 * margin, xs.stop - xs.start + 2 * margin
    scale = max(1.0, need_w / size[0], need_h / size[1])
    win_w, win_h = round(size[0] * scale), round(size[1] * scale)
    height, width = shape[:2]
    spans = []
    for start, stop, win, limit in (
        (ys.start, ys.stop, win_h, height),
        (xs.start, xs.stop, win_w, width),
    ):
        low = min(max(0, (start + stop - win) // 2), max(0, limit - win))
        high = min(limit, low + win)
        spans.append((low, high, win - (high - low)))
    (y0, y1, pad_h), (x0, x1, pad_w) = spans
    padding = ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2))
    return (y0, y1, x0, x1), padding


def _to_uint8(array: NDArray[np.floating[Any]]) -> NDArray[np.uint8]:
    """Model output to uint8: exports return 0..1 floats, some (e.g. LaMa-ONNX) 0..255."""
    if not np.isfinite(array).all():
        raise StageFailed("LaMa returned NaN/inf pixels; check the weights file (fp16 on CPU?)")
    scale = 1.0 if float(array.max()) > 2.0 else 255.0
    return np.clip(array * scale, 0, 255).round().astype(np.uint8)
