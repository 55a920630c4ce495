"""Phase II GPU backend with a tiny random SDXL, two ControlNets, depth model and BiRefNet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.gpu.conftest import NEEDS_TORCH, linked_copy

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

from v2v.artefacts import CleanImage  # noqa: E402
from v2v.config import ModelsConfig  # noqa: E402
from v2v.context import RunContext  # noqa: E402
from v2v.errors import BackendUnavailable, ConfigError, QualityCheckFailed  # noqa: E402
from v2v.models.runtime import CACHE  # noqa: E402
from v2v.stages.stylize.sdxl_controlnet import (  # noqa: E402
    SdxlControlNetConfig,
    SdxlControlNetStylizer,
    control_size,
)


def stylizer(model_dir: Path, **changes: Any) -> SdxlControlNetStylizer:
    data: dict[str, Any] = {
        "backend": "sdxl-controlnet",
        "steps": 2,
        "resolution": 64,
        "guidance_scale": 5.0,
        "guard": {"mask_resolution": 64},
    }
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            data[section] = {**data.get(section, {}), field: value}
        else:
            data[key] = value
    config = SdxlControlNetConfig.model_validate(data)
    return SdxlControlNetStylizer(config, ModelsConfig(dir=str(model_dir)))


def clean_of(image: np.ndarray, mask: np.ndarray | None = None) -> CleanImage:
    full = np.ones(image.shape[:2], bool)
    return CleanImage(image, full if mask is None else mask, np.zeros_like(full))


def run(
    backend: SdxlControlNetStylizer,
    image: np.ndarray,
    seed: int = 7,
    mask: np.ndarray | None = None,
) -> Any:
    return backend.run(clean_of(image, mask), RunContext(seed=seed))


def test_the_styled_image_has_the_working_size_and_the_phase1_mask(
    model_dir: Path, drawn_car: np.ndarray
) -> None:
    mask = np.zeros(drawn_car.shape[:2], bool)
    mask[25:85, 10:135] = True
    styled = run(stylizer(model_dir, guard__enabled=False), drawn_car, mask=mask)
    assert styled.pixels.shape == (96, 144, 3) and styled.pixels.dtype == np.uint8
    assert np.array_equal(styled.mask, mask)
    assert styled.edges.dtype == np.uint8 and set(np.unique(styled.edges)) <= {0, 255}
    assert not styled.edges[~mask].any()
    assert styled.notes["control_size"] == [64, 40]
    assert styled.notes["attention"] == "sdpa" and styled.notes["dtype"] == "float32"
    assert styled.notes["attempts"] == [{"depth_weight": 0.6, "canny_weight": 0.4, "iou": None}]


def test_the_seed_makes_the_image_repeatable(model_dir: Path, drawn_car: np.ndarray) -> None:
    backend = stylizer(model_dir, guard__enabled=False)
    first, again = run(backend, drawn_car, seed=1), run(backend, drawn_car, seed=1)
    other = run(backend, drawn_car, seed=2)
    assert np.array_equal(first.pixels, again.pixels)
    assert not np.array_equal(first.pixels, other.pixels)


def test_canny_guidance_is_released_through_control_guidance_end(
    model_dir: Path, drawn_car: np.ndarray
) -> None:
    held = run(
        stylizer(
            model_dir, guard__enabled=False, controlnet__canny_weight=2.0, controlnet__canny_end=1.0
        ),
        drawn_car,
    )
    released = run(
        stylizer(
            model_dir, guard__enabled=False, controlnet__canny_weight=2.0, controlnet__canny_end=0.5
        ),
        drawn_car,
    )
    assert not np.array_equal(held.pixels, released.pixels)


def test_the_scheduler_is_the_one_named_in_the_config(
    model_dir: Path, drawn_car: np.ndarray
) -> None:
    unipc = run(stylizer(model_dir, guard__enabled=False), drawn_car)
    euler = run(
        stylizer(model_dir, guard__enabled=False, scheduler="EulerDiscreteScheduler"), drawn_car
    )
    assert euler.notes["scheduler"] == "EulerDiscreteScheduler"
    assert not np.array_equal(unipc.pixels, euler.pixels)
    with pytest.raises(ConfigError, match="not a diffusers scheduler"):
        stylizer(model_dir, scheduler="FancyScheduler")


def test_a_style_lora_from_loras_changes_the_output(
    model_dir: Path, tmp_path: Path, drawn_car: np.ndarray
) -> None:
    from tests.gpu.tiny_models import sdxl_lora

    root = linked_copy(model_dir, tmp_path / "models")
    sdxl_lora(model_dir / "sdxl" / "unet", root / "loras")
    plain = run(stylizer(root, guard__enabled=False), drawn_car)
    styled = run(
        stylizer(root, guard__enabled=False, lora__path="tiny-style", lora__scale=1.0), drawn_car
    )
    muted = run(
        stylizer(root, guard__enabled=False, lora__path="tiny-style", lora__scale=0.0), drawn_car
    )
    assert styled.notes["lora"] == str(root / "loras" / "tiny-style.safetensors")
    assert np.abs(styled.pixels.astype(int) - plain.pixels).mean() > 1.0
    assert np.abs(muted.pixels.astype(int) - plain.pixels).max() <= 1


def test_a_missing_lora_says_where_it_was_looked_for(model_dir: Path) -> None:
    with pytest.raises(BackendUnavailable, match=str(model_dir / "loras")):
        stylizer(model_dir, lora__path="vector_style_v1")


def test_low_iou_retries_with_stronger_weights_and_keeps_the_best(
    empty_vehicle_models: Path, drawn_car: np.ndarray
) -> None:
    mask = np.zeros(drawn_car.shape[:2], bool)
    mask[30:85, 15:130] = True  # the photo's vehicle; BiRefNet sees none in the generated image
    backend, loads = stylizer(empty_vehicle_models), CACHE.loads
    styled = run(backend, drawn_car, mask=mask)
    weights = [(a["depth_weight"], a["canny_weight"]) for a in styled.notes["attempts"]]
    assert weights == [(0.6, 0.4), (0.7, 0.5), (0.8, 0.6)]
    assert all(a["iou"] == 0.0 for a in styled.notes["attempts"])
    assert styled.notes["geometry_passed"] is False
    assert CACHE.loads - loads == 3  # depth, SDXL, BiRefNet: loaded once for all three attempts
    with pytest.raises(QualityCheckFailed, match=r"stayed below 0\.85 after 3 attempt"):
        run(stylizer(empty_vehicle_models, guard__policy="fail"), drawn_car, mask=mask)


def test_matching_silhouettes_pass_the_guard_first_time(
    model_dir: Path, drawn_car: np.ndarray
) -> None:
    styled = run(stylizer(model_dir), drawn_car)  # BiRefNet: everything is vehicle, as is the mask
    assert len(styled.notes["attempts"]) == 1 and styled.notes["silhouette_iou"] == 1.0


def test_control_images_keep_the_aspect_at_the_configured_size() -> None:
    assert control_size(1500, 1000, 1024) == (1024, 680)
    assert control_size(600, 1000, 1024) == (616, 1024)
    assert all(v % 8 == 0 for v in control_size(333, 777, 1024))


def test_depth_control_spans_0_to_255(model_dir: Path, drawn_car: np.ndarray) -> None:
    from v2v.models import depth
    from v2v.models.runtime import Runtime

    runtime = Runtime("cpu", torch.float32, model_dir, keep_loaded=True)
    result = depth.depth_map(drawn_car, runtime, "test")
    assert result.shape == (96, 144) and result.dtype == np.uint8
    assert result.min() == 0 and result.max() == 255


def test_xformers_only_when_asked_and_not_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    from v2v.models.sdxl import _attention

    monkeypatch.setenv("DISABLE_XFORMERS", "1")
    assert _attention(object(), "xformers").startswith("sdpa")
    assert _attention(object(), "sdpa") == "sdpa"
    monkeypatch.delenv("DISABLE_XFORMERS")
    try:
        import xformers  # noqa: F401
    except ImportError:
        with pytest.raises(BackendUnavailable, match="xformers"):
            _attention(object(), "xformers")
