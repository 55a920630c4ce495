"""Decoding and validation of input images: format, bytes, pixels, EXIF orientation, resize.

Everything returned is RGB uint8 (H, W, 3); transparency becomes a bool mask.
"""

from __future__ import annotations

import io
import threading
import warnings
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from v2v.artefacts import Box, Photo
from v2v.config import InputConfig
from v2v.errors import InputError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "MPO"}
#: File endings of the photos a folder run (batch, bench, demo) picks up.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
ImageSource = str | Path | bytes | bytearray | NDArray[np.uint8] | Image.Image


def _read_bytes(source: str | Path | bytes | bytearray, limit: int) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        data, name = bytes(source), "upload"
    else:
        path = Path(source)
        if not path.is_file():
            raise InputError(f"input file not found: {path}; check the path")
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                f"{path.name} is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB "
                "(raise input.max_bytes or shrink the photo)"
            )
        data, name = path.read_bytes(), path.stem
    if len(data) > limit:
        raise InputError(
            f"the image is {len(data) / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB "
            "(raise input.max_bytes or shrink the photo)"
        )
    if not data:
        raise InputError("the image is empty (0 bytes); send a JPEG, PNG or WebP photo")
    return data, name


_GUARD_LOCK = threading.Lock()


def allow_pixels(max_pixels: int) -> None:
    """Keep Pillow's decompression-bomb guard on for the whole process, raised to
    ``max_pixels`` when that is higher (it warns above ``Image.MAX_IMAGE_PIXELS`` and refuses
    above twice that); never switched off, so every other ``Image.open`` stays guarded."""
    with _GUARD_LOCK:
        current = Image.MAX_IMAGE_PIXELS
        if current is None or current < max_pixels:
            Image.MAX_IMAGE_PIXELS = max_pixels


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open and fully decode image bytes with a decompression-bomb guard; EXIF-orient it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
            allow_pixels(max_pixels)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise InputError(
                    f"image format {image.format} is not supported; send JPEG, PNG or WebP"
                )
            width, height = image.size
            if width * height > max_pixels:
                raise InputError(
                    f"the image is {width}×{height} = {width * height / 1e6:.0f} MP; the limit "
                    f"is {max_pixels / 1e6:.0f} MP (raise input.max_pixels or shrink the photo)"
                )
            image.load()
            return ImageOps.exif_transpose(image)
    except InputError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise InputError(
            "the file is not a readable image (send a JPEG, PNG or WebP photo): "
            f"{type(exc).__name__}"
        ) from None


def _split_alpha(image: Image.Image) -> tuple[NDArray[np.uint8], NDArray[np.bool_] | None]:
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"))
        alpha = rgba[..., 3] >= 128
        if alpha.all():
            return np.ascontiguousarray(rgba[..., :3]), None
        # flatten transparent pixels onto white so filters see no garbage colours there
        rgb = rgba[..., :3].copy()
        rgb[~alpha] = 255
        return rgb, alpha
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))), None


def resize_long_side(pixels: NDArray[np.uint8], long_side: int) -> NDArray[np.uint8]:
    """Resize so max(H, W) == long_side (area filter down, Lanczos up); aspect kept."""
    height, width = pixels.shape[:2]
    scale = long_side / max(height, width)
    if abs(scale - 1.0) < 1e-9:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LANCZOS4
    return np.asarray(cv2.resize(pixels, size, interpolation=interpolation))


def decode(
    source: ImageSource,
    config: InputConfig | None = None,
    hint: Box | tuple[int, int, int, int] | None = None,
    name: str | None = None,
) -> Photo:
    """Decode ``source`` into a :class:`Photo` at the working size.

    ``hint`` is a box around the vehicle in *original* image pixels (x0, y0, x1, y1).
    """
    config = config or InputConfig()
    if isinstance(source, np.ndarray):
        array = source
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4):
            raise InputError(
                f"array input must be uint8 of shape (H, W, 3) RGB or (H, W, 4) RGBA; got "
                f"{array.dtype} {array.shape}"
            )
        image = Image.fromarray(array)
        label = name or "array"
    elif isinstance(source, Image.Image):
        image, label = ImageOps.exif_transpose(source), name or "image"
    else:
        data, label = _read_bytes(source, config.max_bytes)
        image = open_image(data, config.max_pixels)
        label = name or label
    rgb, alpha = _split_alpha(image)
    height, width = rgb.shape[:2]
    if min(height, width) < 16:
        raise InputError(f"the image is {width}×{height} px; it must be at least 16 px each way")
    scale = config.work_long_side / max(height, width)
    pixels = resize_long_side(rgb, config.work_long_side)
    if alpha is not None:
        resized = cv2.resize(
            alpha.astype(np.uint8) * 255,
            (pixels.shape[1], pixels.shape[0]),
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
        )
        alpha = resized >= 128
    box = _scale_hint(hint, scale, width, height)
    return Photo(pixels=pixels, original_size=(width, height), name=label, alpha=alpha, hint=box)


def _scale_hint(
    hint: Box | tuple[int, int, int, int] | None, scale: float, width: int, height: int
) -> Box | None:
    if hint is None:
        return None
    box = hint if isinstance(hint, Box) else Box(*(int(v) for v in hint))
    if not (0 <= box.x0 < box.x1 <= width and 0 <= box.y0 < box.y1 <= height):
        raise InputError(
            f"hint box {box.as_list()} is not inside the {width}×{height} image; give "
            "x0,y0,x1,y1 with x0<x1, y0<y1 in image pixels"
        )
    return box.scaled(scale)


def encode_png(pixels: NDArray[np.uint8]) -> bytes:
    """RGB (H, W, 3), RGBA (H, W, 4) or grey (H, W) uint8 → PNG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def list_images(folder: str | Path) -> list[Path]:
    """The photos in ``folder``, sorted by name; ground-truth masks (``*.mask.png``) are not
    photos."""
    return sorted(
        p
        for p in Path(folder).iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.endswith(".mask.png")
    )
