"""Upload validation: by content (magic bytes, full decode), never by file name or header.

- more than ``MAX_UPLOAD_BYTES`` → 413;
- not JPEG, PNG or WebP by its first bytes → 415;
- width × height above ``MAX_UPLOAD_PIXELS`` (a decompression bomb) → 413, before decoding;
- truncated or corrupt (the full decode fails) → 400.

A full decode takes memory (a 400 KB PNG may decode to 400 MB), so at most
``MAX_CONCURRENT_DECODES`` run at once in one process; a request that waits longer than
``DECODE_WAIT_SECONDS`` for its turn is answered 503 with ``Retry-After``. Pillow's own
decompression-bomb guard stays on, raised to ``MAX_UPLOAD_PIXELS`` where that is higher.
"""

from __future__ import annotations

import errno
import shutil
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from v2v.imaging import allow_pixels
from v2v.service.problems import ApiProblem

_CHUNK = 1024 * 1024
DECODE_WAIT_SECONDS = 30.0


def sniff(head: bytes) -> str | None:
    """The image type from the first 12 bytes: 'jpg', 'png', 'webp', or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class CheckedImage:
    path: Path
    extension: str
    size_bytes: int
    width: int
    height: int


def disk_full(exc: OSError) -> ApiProblem:
    """The answer when the server cannot write a file (disk full, quota): 507, no path."""
    return ApiProblem(
        507,
        "insufficient_storage",
        f"the server could not store the upload ({errno.errorcode.get(exc.errno or 0, 'I/O')}); "
        "try again later",
        headers={"Retry-After": "300"},
    )


def save_stream(source: BinaryIO, target: Path, max_bytes: int) -> int:
    """Copy at most ``max_bytes`` to ``target``; 413 when larger, 507 when the disk is full,
    and in both cases nothing left behind."""
    written = 0
    try:
        with target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise ApiProblem(
                        413,
                        "upload_too_large",
                        f"the upload is larger than {max_bytes / 1e6:.1f} MB "
                        "(MAX_UPLOAD_BYTES); send a smaller photo",
                    )
                out.write(chunk)
    except ApiProblem:
        target.unlink(missing_ok=True)
        raise
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise disk_full(exc) from None
    return written


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ApiProblem(
            413,
            "image_too_large",
            f"the image is {width}×{height} px ({width * height / 1e6:.0f} MP); the limit is "
            f"{max_pixels / 1e6:.0f} MP (MAX_UPLOAD_PIXELS)",
        )


def _header_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the header alone, through the format's Pillow plugin (which,
    called directly, reads the header without the bomb check and decodes nothing)."""
    with path.open("rb") as handle:
        kind = sniff(handle.read(12))
    Image.init()
    entry = Image.OPEN.get({"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}.get(kind or "", ""))
    if entry is None:
        return None
    try:
        with path.open("rb") as handle:
            image = entry[0](handle, str(path))
            return int(image.size[0]), int(image.size[1])
    except Exception:  # noqa: BLE001 - an unreadable header: the generic answer applies
        return None


def _decode(path: Path, max_pixels: int) -> tuple[int, int]:
    """(width, height) of a fully decoded image; 413 above ``max_pixels``, read from the header.

    Pillow's own guard (a warning above ``Image.MAX_IMAGE_PIXELS``, an error above twice that)
    stays on, raised to ``max_pixels`` when that is higher; the explicit check below runs
    before any pixel is decoded.
    """
    allow_pixels(max_pixels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below
        try:
            with Image.open(path) as image:
                _check_pixels(*image.size, max_pixels)
                width, height = image.size
                image.load()
        except ApiProblem:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            size = _header_size(path)  # Pillow refused it from its header: name the size
            if size is not None:
                _check_pixels(*size, max_pixels)
            raise ApiProblem(
                413,
                "image_too_large",
                "the image decompresses to too many "
                "pixels (a decompression bomb); send an ordinary photo",
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ApiProblem(
                400,
                "corrupt_image",
                "the image is truncated or corrupt and cannot "
                f"be decoded ({type(exc).__name__}); send the file again",
            ) from None
    return width, height


def _decode_bounded(
    path: Path, max_pixels: int, slots: threading.BoundedSemaphore | None
) -> tuple[int, int]:
    if slots is None:
        return _decode(path, max_pixels)
    if not slots.acquire(timeout=DECODE_WAIT_SECONDS):
        raise ApiProblem(
            503,
            "busy",
            "the server is decoding as many uploads as it may at once "
            "(MAX_CONCURRENT_DECODES); send the photo again shortly",
            headers={"Retry-After": "5"},
        )
    try:
        return _decode(path, max_pixels)
    finally:
        slots.release()


def check_upload(
    source: BinaryIO,
    temp: Path,
    max_bytes: int,
    max_pixels: int,
    slots: threading.BoundedSemaphore | None = None,
) -> CheckedImage:
    """Save the upload to ``temp`` and validate it (``slots`` bounds concurrent decodes). The
    file is removed when it is rejected."""
    size = save_stream(source, temp, max_bytes)
    try:
        if size == 0:
            raise ApiProblem(400, "empty_upload", "the uploaded file is empty; send a photo")
        with temp.open("rb") as handle:
            kind = sniff(handle.read(12))
        if kind is None:
            raise ApiProblem(
                415,
                "unsupported_media_type",
                "the file is not a JPEG, PNG or WebP image (checked by its content, "
                "not its name); convert it and send it again",
            )
        width, height = _decode_bounded(temp, max_pixels, slots)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return CheckedImage(temp, kind, size, width, height)


def discard(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
