"""Real weights on a real GPU (marked ``gpu``): skipped unless CUDA is available and
``v2v models verify`` passes for every folder gpu.yaml needs."""

from __future__ import annotations

import pytest

from tests.conftest import draw_car
from tests.gpu.conftest import NEEDS_TORCH

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

import v2v  # noqa: E402
from v2v.config import CONFIG_DIR, load_config  # noqa: E402
from v2v.models import verify  # noqa: E402

NEEDED = (
    "grounding-dino",
    "sam",
    "lama",
    "birefnet",
    "depth",
    "sdxl",
    "controlnet-depth",
    "controlnet-canny",
    "realesrgan",
)


def _ready() -> str:
    if not torch.cuda.is_available():
        return "no CUDA GPU"
    missing = [s.name for s in verify(names=NEEDED) if not s.ok]
    return f"weights missing in the model directory: {', '.join(missing)}" if missing else ""


@pytest.mark.gpu
@pytest.mark.skipif(bool(_ready()), reason=_ready() or "ready")
def test_gpu_yaml_with_real_weights_removes_the_plate_and_keeps_the_style_guide() -> None:
    config = load_config(CONFIG_DIR / "gpu.yaml")
    result = v2v.convert(draw_car(1024, 640), config=config)
    qa = result.report["qa"]
    assert qa["palette_compliance"] == 1.0 and qa["stroke_compliance"] == 1.0
    assert qa["text_remaining"] == []
    assert any(r["kind"] in {"licence_plate", "text"} for r in result.report["removed"])
    assert result.report["phases"]["phase2"]["peak_gpu_memory_mb"] > 0
