"""LaMa ONNX files with a fixed input size fill the mask on windows of the model's aspect ratio:
1:1 when the hole and its context fit, scaled uniformly otherwise; thin holes stay holes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.gpu.conftest import NEEDS_TORCH, linked_copy

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

from v2v.models import lama  # noqa: E402
from v2v.models.runtime import Runtime  # noqa: E402


class GreyFill(torch.nn.Module):
    """Keeps the image, paints the hole mid-grey (0.5): shows exactly where the model saw a hole."""

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return image * (1 - mask) + 0.5 * mask


def grey_fill_models(model_dir: Path, target: Path, side: int = 64) -> Runtime:
    root = linked_copy(model_dir, target, skip=("lama",))
    (root / "lama").mkdir()
    torch.onnx.export(
        GreyFill().eval(),
        (torch.zeros(1, 3, side, side), torch.zeros(1, 1, side, side)),
        str(root / "lama" / "lama.onnx"),
        input_names=["image", "mask"],
        output_names=["output"],
        dynamo=False,
    )
    return Runtime("cpu", torch.float32, root, keep_loaded=True)


def test_a_small_hole_is_filled_at_full_resolution(model_dir: Path, tmp_path: Path) -> None:
    runtime = grey_fill_models(model_dir, tmp_path / "models")
    image = np.random.default_rng(0).integers(0, 256, (96, 144, 3), dtype=np.uint8)
    mask = np.zeros((96, 144), bool)
    mask[50, 30:41] = True  # a 1-px line
    mask[10:14, 120:126] = True
    out = lama.inpaint(image, mask, runtime)
    assert (out[mask] == 128).all()  # every hole pixel reached the model as a hole
    assert np.array_equal(out[~mask], image[~mask])


def test_a_thin_hole_survives_when_the_window_is_scaled(model_dir: Path, tmp_path: Path) -> None:
    runtime = grey_fill_models(model_dir, tmp_path / "models")
    image = np.full((640, 1024, 3), 30, np.uint8)
    mask = np.zeros((640, 1024), bool)
    mask[333, 200:700] = True  # 500 px long, 1 px thin: the window is ~12x the model's side
    out = lama.inpaint(image, mask, runtime)
    line = out[mask].astype(int)
    assert (line > 30).all() and line.mean() > 60  # grey reached every pixel of the line
    assert np.array_equal(out[~mask], image[~mask])


def test_windows_keep_the_model_aspect_and_fill_every_hole_once() -> None:
    mask = np.zeros((640, 1024), bool)
    mask[100:130, 50:90] = True
    mask[500:560, 900:1000] = True
    mask[300:620, 300:800] = True  # larger than the model's 256 × 128 window
    windows = lama.fill_windows(mask, (256, 128))
    pasted = np.zeros(mask.shape, int)
    for window in windows:
        y0, y1, x0, x1 = window.box
        assert 0 <= y0 < y1 <= 640 and 0 <= x0 < x1 <= 1024
        (top, bottom), (left, right) = window.padding
        height, width = y1 - y0 + top + bottom, x1 - x0 + left + right
        assert abs(width / height - 2.0) < 0.02  # the model's aspect ratio, never squashed
        assert height >= 128 and width >= 256  # never upscaled beyond the model's size
        assert not (window.paste & ~mask).any()
        ys, xs = np.nonzero(window.paste)
        assert ys.min() >= y0 and ys.max() < y1 and xs.min() >= x0 and xs.max() < x1
        pasted += window.paste
    assert (pasted[mask] == 1).all()  # the large window takes in the hole beside it


def test_a_free_size_onnx_export_takes_the_whole_image(model_dir: Path, tmp_path: Path) -> None:
    root = linked_copy(model_dir, tmp_path / "models", skip=("lama",))
    (root / "lama").mkdir()
    torch.onnx.export(
        GreyFill().eval(),
        (torch.zeros(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)),
        str(root / "lama" / "lama.onnx"),
        input_names=["image", "mask"],
        output_names=["output"],
        dynamic_axes={"image": {2: "h", 3: "w"}, "mask": {2: "h", 3: "w"}},
        dynamo=False,
    )
    runtime = Runtime("cpu", torch.float32, root, keep_loaded=True)
    image = np.random.default_rng(1).integers(0, 256, (90, 133, 3), dtype=np.uint8)
    mask = np.zeros((90, 133), bool)
    mask[::7, 5] = True
    out = lama.inpaint(image, mask, runtime)
    assert (out[mask] == 128).all() and np.array_equal(out[~mask], image[~mask])
