"""Input decoding: formats, limits, EXIF orientation, alpha, hint boxes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from v2v.config import InputConfig
from v2v.errors import InputError
from v2v.imaging import decode


def _jpeg(array: np.ndarray, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", **kwargs)
    return buffer.getvalue()


def test_resizes_to_working_size_keeping_aspect() -> None:
    photo = decode(_jpeg(np.zeros((300, 600, 3), np.uint8)), InputConfig(work_long_side=256))
    assert photo.pixels.shape == (128, 256, 3)
    assert photo.pixels.dtype == np.uint8
    assert photo.original_size == (600, 300)


def test_exif_orientation_is_applied() -> None:
    array = np.zeros((100, 200, 3), np.uint8)
    array[:, :100] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    photo = decode(_jpeg(array, exif=exif), InputConfig(work_long_side=200))
    assert photo.original_size == (100, 200)  # portrait after orientation
    assert photo.pixels[:50].mean() > 200 and photo.pixels[150:].mean() < 50  # white on top


def test_not_an_image_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="not a readable image"):
        decode(b"%PDF-1.4 definitely not a photo")


def test_empty_and_missing_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        decode(b"")
    with pytest.raises(InputError, match="not found"):
        decode(tmp_path / "missing.jpg")


def test_byte_and_pixel_limits() -> None:
    data = _jpeg(np.zeros((200, 200, 3), np.uint8))
    with pytest.raises(InputError, match=r"limit is .* MB"):
        decode(data, InputConfig(max_bytes=1024))
    with pytest.raises(InputError, match="MP"):
        decode(data, InputConfig(max_pixels=10_000))


def test_transparency_becomes_alpha_mask() -> None:
    rgba = np.zeros((128, 128, 4), np.uint8)
    rgba[32:96, 32:96] = (200, 20, 20, 255)
    photo = decode(rgba, InputConfig(work_long_side=128))
    assert photo.alpha is not None
    assert photo.alpha.sum() == 64 * 64
    assert (photo.pixels[0, 0] == 255).all()  # transparent pixels flattened onto white


def test_hint_box_is_scaled_and_checked() -> None:
    data = _jpeg(np.zeros((400, 800, 3), np.uint8))
    photo = decode(data, InputConfig(work_long_side=400), hint=(100, 50, 700, 350))
    assert photo.hint is not None and photo.hint.as_list() == [50, 25, 350, 175]
    with pytest.raises(InputError, match="hint box"):
        decode(data, hint=(0, 0, 900, 100))


def test_array_input_must_be_rgb_uint8() -> None:
    with pytest.raises(InputError, match="uint8"):
        decode(np.zeros((10, 10), np.float32))  # type: ignore[arg-type]
