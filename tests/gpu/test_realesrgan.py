"""Phase III upscaler: ESRGAN-family files from realesrgan/, loaded and run in tiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.gpu.conftest import NEEDS_TORCH

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

from v2v.config import ModelsConfig  # noqa: E402
from v2v.errors import InputError, WeightsMissing  # noqa: E402
from v2v.stages.palette.realesrgan import SpandrelUpscaler, tiled  # noqa: E402


def photo(height: int = 40, width: int = 56) -> np.ndarray:
    return np.random.default_rng(1).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_a_real_esrgan_file_upscales_by_its_factor_and_to_other_factors(model_dir: Path) -> None:
    upscaler = SpandrelUpscaler(ModelsConfig(dir=str(model_dir)))
    x4 = upscaler.upscale(photo(), 4)
    x2 = upscaler.upscale(photo(), 2)
    assert x4.shape == (160, 224, 3) and x4.dtype == np.uint8
    assert x2.shape == (80, 112, 3) and x2.dtype == np.uint8
    assert upscaler.loader in {"spandrel", "built-in"}
    # the network really ran on this photo: the same photo gives the same pixels, another
    # photo other pixels (a constant or input-blind output would fail one of the two)
    assert np.array_equal(upscaler.upscale(photo(), 4), x4)
    other = np.ascontiguousarray(photo()[::-1])
    assert not np.array_equal(upscaler.upscale(other, 4), x4)


def test_tiles_with_enough_overlap_give_the_untiled_result(model_dir: Path) -> None:
    from v2v.models import esrgan

    path = next((model_dir / "realesrgan").glob("*.pth"))
    model, scale, _ = esrgan.load(path, "cpu")
    image = torch.from_numpy(photo(50, 70).transpose(2, 0, 1)[None].copy()).float() / 255
    with torch.inference_mode():
        whole = model(image)
        pieces = tiled(model, image, scale, tile=24, overlap=32)
    assert pieces.shape == whole.shape == (1, 3, 200, 280)
    assert torch.allclose(pieces, whole, atol=1e-5)


def test_safetensors_and_compact_models_load_too(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from tests.gpu.tiny_models import rrdbnet_state
    from v2v.models import esrgan

    (tmp_path / "realesrgan").mkdir()
    save_file(rrdbnet_state(), str(tmp_path / "realesrgan" / "x4.safetensors"))
    result = SpandrelUpscaler(ModelsConfig(dir=str(tmp_path))).upscale(photo(), 4)
    assert result.shape == (160, 224, 3)
    # SRVGGNetCompact (realesr-animevideov3): conv, PReLU, conv, PReLU, conv → pixel shuffle ×4
    compact = {
        "body.0.weight": torch.randn(8, 3, 3, 3),
        "body.0.bias": torch.zeros(8),
        "body.1.weight": torch.full((8,), 0.2),
        "body.2.weight": torch.randn(8, 8, 3, 3),
        "body.2.bias": torch.zeros(8),
        "body.3.weight": torch.full((8,), 0.2),
        "body.4.weight": torch.randn(48, 8, 3, 3),
        "body.4.bias": torch.zeros(48),
    }
    model, scale = esrgan.build(compact, tmp_path / "compact.pth")
    assert scale == 4
    assert model(torch.rand(1, 3, 10, 12)).shape == (1, 3, 40, 48)


def test_several_files_need_a_choice_and_no_file_is_weights_missing(tmp_path: Path) -> None:
    folder = tmp_path / "realesrgan"
    with pytest.raises(WeightsMissing, match=str(folder)):
        SpandrelUpscaler(ModelsConfig(dir=str(tmp_path)))
    folder.mkdir()
    for name in ("a.pth", "b.pth"):
        (folder / name).write_bytes(b"x")
    with pytest.raises(InputError, match="x4"):
        SpandrelUpscaler(ModelsConfig(dir=str(tmp_path))).upscale(photo(), 4)
