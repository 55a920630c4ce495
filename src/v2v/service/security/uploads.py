"""Upload validation: by content (magic bytes, full decode), never by file name or header.

- more than ``MAX_UPLOAD_BYTES`` → 413;
- not JPEG, PNG or WebP by its first bytes → 415;
- width × height above ``MAX_UPLOAD_PIXELS`` (a decompression bomb) → 413, before decoding;
- truncated or corrupt (the full decode fails) → 400.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from v2v.service.problems import ApiProblem

_CHUNK = 1024 * 1024


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


def save_stream(source: BinaryIO, target: Path, max_bytes: int) -> int:
    """Copy at most ``max_bytes`` to ``target``; 413 (and nothing left behind) when larger."""
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > max_bytes:
                out.close()
                target.unlink(missing_ok=True)
                raise ApiProblem(
                    413,
                    "upload_too_large",
                    f"the upload is larger than {max_bytes / 1e6:.1f} MB "
                    "(MAX_UPLOAD_BYTES); send a smaller photo",
                )
            out.write(chunk)
    return written


def _decode(path: Path, max_pixels: int) -> tuple[int, int]:
    """(width, height) of a fully decoded image; 413 above ``max_pixels``, read from the header.

    Pillow's own guard (a warning above 89.5 MP, an error above 179 MP) is switched off, as in
    ``v2v.imaging``: it would refuse photos that ``MAX_UPLOAD_PIXELS`` allows, and the explicit
    check below runs before any pixel is decoded.
    """
    Image.MAX_IMAGE_PIXELS = None
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ApiProblem(
                        413,
                        "image_too_large",
                        f"the image is {width}×{height} px "
                        f"({width * height / 1e6:.0f} MP); the limit is "
                        f"{max_pixels / 1e6:.0f} MP (MAX_UPLOAD_PIXELS)",
                    )
                image.load()
        except ApiProblem:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
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


def check_upload(source: BinaryIO, temp: Path, max_bytes: int, max_pixels: int) -> CheckedImage:
    """Save the upload to ``temp`` and validate it. The file is removed when it is rejected."""
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
        width, height = _decode(temp, max_pixels)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return CheckedImage(temp, kind, size, width, height)


def discard(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
