"""Phase I GPU backend with tiny random GroundingDINO, SAM, LaMa and BiRefNet models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.gpu.conftest import NEEDS_TORCH, linked_copy

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

from v2v.artefacts import Box, Photo  # noqa: E402
from v2v.config import ModelsConfig  # noqa: E402
from v2v.context import RunContext  # noqa: E402
from v2v.errors import WeightsMissing  # noqa: E402
from v2v.models.runtime import CACHE  # noqa: E402
from v2v.stages.sanitize.grounded_sam_lama import (  # noqa: E402
    DEFAULT_PROMPTS,
    DetectionConfig,
    GroundedSamLamaConfig,
    GroundedSamLamaSanitizer,
)

KINDS = {p.replace(" ", "_") for p in DEFAULT_PROMPTS} | {"object"}


def sanitizer(model_dir: Path, box_threshold: float = 0.0) -> GroundedSamLamaSanitizer:
    """Thresholds at 0 so the random detector's boxes are all kept."""
    detection = DetectionConfig(
        box_threshold=box_threshold, text_threshold=0.0, max_box_fraction=1.0
    )
    config = GroundedSamLamaConfig(backend="grounded-sam-lama", detection=detection)
    return GroundedSamLamaSanitizer(config, ModelsConfig(dir=str(model_dir)))


def test_detected_parts_are_segmented_dilated_and_inpainted(
    model_dir: Path, drawn_car: np.ndarray
) -> None:
    backend = sanitizer(model_dir)
    clean = backend.run(Photo(drawn_car, (144, 96)), RunContext())
    assert clean.pixels.shape == (96, 144, 3) and clean.pixels.dtype == np.uint8
    assert clean.vehicle_mask.shape == (96, 144) and clean.vehicle_mask.dtype == bool
    assert clean.removed_mask.shape == (96, 144) and clean.removed_mask.dtype == bool
    removed = clean.removed_mask
    assert removed.any() and clean.removals
    assert {r.kind for r in clean.removals} <= KINDS
    # only the removed pixels change, and they do change
    assert np.array_equal(clean.pixels[~removed], drawn_car[~removed])
    assert np.any(clean.pixels[removed] != drawn_car[removed])
    # SAM's masks stay within the detected boxes grown by the dilation
    allowed = np.zeros_like(removed)
    for r in clean.removals:
        allowed[max(0, r.box.y0 - 10) : r.box.y1 + 10, max(0, r.box.x0 - 10) : r.box.x1 + 10] = True
    assert not (removed & ~allowed).any()
    assert clean.notes["device"] == "cpu" and clean.notes["dtype"] == "float32"
    assert clean.notes["detections"] >= len(clean.removals)
    assert 0.0 < clean.detail_loss <= 1.0


def test_models_stay_loaded_across_runs(model_dir: Path, drawn_car: np.ndarray) -> None:
    backend = sanitizer(model_dir)
    backend.run(Photo(drawn_car, (144, 96)), RunContext())
    loads = CACHE.loads
    backend.run(Photo(drawn_car, (144, 96)), RunContext())
    assert CACHE.loads == loads


def test_nothing_detected_leaves_the_photo_untouched(
    model_dir: Path, drawn_car: np.ndarray
) -> None:
    clean = sanitizer(model_dir, box_threshold=1.0).run(Photo(drawn_car, (144, 96)), RunContext())
    assert clean.removals == () and not clean.removed_mask.any()
    assert np.array_equal(clean.pixels, drawn_car) and clean.detail_loss == 0.0


def test_the_user_hint_bounds_the_vehicle_mask(model_dir: Path, drawn_car: np.ndarray) -> None:
    photo = Photo(drawn_car, (144, 96), hint=Box(10, 20, 90, 80))
    clean = sanitizer(model_dir, box_threshold=1.0).run(photo, RunContext())
    assert clean.vehicle_mask[20:80, 10:90].all()
    assert clean.vehicle_mask.sum() == 60 * 80


def test_a_cut_outs_alpha_is_the_vehicle_without_asking_birefnet(
    model_dir: Path, drawn_car: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v.models import birefnet

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("BiRefNet ran on a cut-out")

    monkeypatch.setattr(birefnet, "vehicle_mask", refuse)
    alpha = np.zeros(drawn_car.shape[:2], bool)
    alpha[30:70, 20:120] = True  # the one rule of every backend: a cut-out's alpha wins
    photo = Photo(drawn_car, (144, 96), alpha=alpha)
    clean = sanitizer(model_dir, box_threshold=1.0).run(photo, RunContext())
    assert np.array_equal(clean.vehicle_mask, alpha)


def test_sam_masks_are_image_sized_for_a_non_square_photo(model_dir: Path) -> None:
    from v2v.models import grounding
    from v2v.models.runtime import Runtime

    runtime = Runtime("cpu", torch.float32, model_dir, keep_loaded=True)
    image = np.random.default_rng(0).integers(0, 255, (50, 170, 3), dtype=np.uint8)
    mask = grounding.segment(image, [(5.0, 5.0, 40.0, 45.0), (100.0, 0.0, 170.0, 30.0)], runtime)
    assert mask.shape == (50, 170) and mask.dtype == bool
    assert grounding.segment(image, [], runtime).shape == (50, 170)


def test_an_onnx_lama_export_loads_through_the_same_code(
    model_dir: Path, tmp_path: Path, drawn_car: np.ndarray
) -> None:
    from tests.gpu.tiny_models import TinyInpainter

    root = linked_copy(model_dir, tmp_path / "models", skip=("lama",))
    (root / "lama").mkdir()
    torch.onnx.export(
        TinyInpainter().eval(),
        (torch.zeros(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)),
        str(root / "lama" / "lama.onnx"),
        input_names=["image", "mask"],
        output_names=["output"],
        dynamo=False,
    )  # fixed 64 × 64 input, like LaMa-ONNX
    clean = sanitizer(root).run(Photo(drawn_car, (144, 96)), RunContext())
    removed = clean.removed_mask
    assert removed.any() and np.array_equal(clean.pixels[~removed], drawn_car[~removed])
    assert np.any(clean.pixels[removed] != drawn_car[removed])


def test_a_missing_folder_fails_when_the_backend_is_built(model_dir: Path, tmp_path: Path) -> None:
    root = linked_copy(model_dir, tmp_path / "models", skip=("sam",))
    with pytest.raises(WeightsMissing) as caught:
        sanitizer(root)
    assert str(root / "sam") in str(caught.value)
    assert "v2v models download sam" in str(caught.value)
