"""GroundingDINO in half precision, BiRefNet remote-code failures, metric and broken depth maps,
the LoRA trigger and a long prompt, tiled VAE decoding and the ControlNets under CPU offload."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tests.gpu.conftest import NEEDS_TORCH, linked_copy

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

from v2v.errors import ConfigError, StageFailed, WeightsMissing  # noqa: E402
from v2v.models import depth, grounding  # noqa: E402
from v2v.models.runtime import CACHE, Runtime  # noqa: E402


def _loaded_detector_dtype() -> Any:
    ((_, model),) = [v for k, v in CACHE._items.items() if k[0] == "grounding-dino"]
    return next(model.parameters()).dtype


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_grounding_dino_runs_in_half_precision_when_transformers_allows(
    model_dir: Path, drawn_car: np.ndarray, dtype: str
) -> None:
    runtime = Runtime("cpu", getattr(torch, dtype), model_dir, keep_loaded=True)
    found = grounding.detect(drawn_car, ("car logo", "licence plate"), 0.0, 0.0, runtime)
    assert found and all(np.isfinite(d.box).all() for d in found)
    expected = getattr(torch, dtype) if grounding.half_precision_works() else torch.float32
    assert _loaded_detector_dtype() == expected


def test_grounding_dino_stays_fp32_on_transformers_without_the_dtype_fix(
    model_dir: Path, drawn_car: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers.models.grounding_dino import modeling_grounding_dino as module

    original = module.GroundingDinoModel.get_valid_ratio

    def old_get_valid_ratio(self: Any, mask: Any, *args: Any, **kwargs: Any) -> Any:
        return original(self, mask, *args, **kwargs)

    monkeypatch.setattr(module.GroundingDinoModel, "get_valid_ratio", old_get_valid_ratio)
    assert not grounding.half_precision_works()
    runtime = Runtime("cpu", torch.float16, model_dir, keep_loaded=True)
    assert grounding.detect(drawn_car, ("car logo",), 0.0, 0.0, runtime)
    assert _loaded_detector_dtype() == torch.float32


def test_birefnet_remote_code_that_breaks_becomes_weights_missing(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import transformers

    from v2v.models import birefnet

    root = linked_copy(model_dir, tmp_path / "models", skip=("birefnet",))
    (root / "birefnet").mkdir()
    (root / "birefnet" / "config.json").write_text("{}")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("'BiRefNet' object has no attribute 'all_tied_weights_keys'")

    monkeypatch.setattr(transformers.AutoModelForImageSegmentation, "from_pretrained", broken)
    runtime = Runtime("cpu", torch.float32, root, keep_loaded=True)
    image = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(WeightsMissing, match=r"does not run under transformers .*ONNX export"):
        birefnet.probability(image, 64, runtime, "test")

    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(
        transformers.AutoModelForImageSegmentation, "from_pretrained", out_of_memory
    )
    with pytest.raises(RuntimeError, match="out of memory"):  # left to the OOM retry
        birefnet.probability(image, 64, runtime, "test")


class FixedDepth(torch.nn.Module):
    """A depth model whose prediction is a given map (and whose config says its type)."""

    def __init__(self, prediction: np.ndarray, kind: str = "relative") -> None:
        super().__init__()
        self.prediction = torch.from_numpy(prediction.astype(np.float32))[None]
        self.config = SimpleNamespace(depth_estimation_type=kind)

    def forward(self, **inputs: Any) -> Any:
        return SimpleNamespace(predicted_depth=self.prediction)


def depth_of(prediction: np.ndarray, kind: str, model_dir: Path, monkeypatch: Any) -> np.ndarray:
    processor, _ = depth._depth_model(Runtime("cpu", torch.float32, model_dir, True), "test")
    monkeypatch.setattr(depth, "_depth_model", lambda *a: (processor, FixedDepth(prediction, kind)))
    image = np.zeros((40, 60, 3), np.uint8)
    return depth.depth_map(image, Runtime("cpu", torch.float32, model_dir, True), "test")


def test_metric_depth_is_inverted_so_near_stays_bright(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    metres = np.tile(np.linspace(1.0, 20.0, 60), (40, 1))  # near on the left
    relative = depth_of(1.0 / metres, "relative", model_dir, monkeypatch)
    metric = depth_of(metres, "metric", model_dir, monkeypatch)
    assert (metric[:, 0] == 255).all() and (metric[:, -1] <= 1).all()
    assert (np.diff(metric[20].astype(int)) <= 0).all()  # brighter towards the near side
    assert np.abs(metric.astype(int) - relative).max() <= 2


@pytest.mark.parametrize("broken", [np.nan, "flat"])
def test_a_nan_or_flat_depth_map_is_refused_not_blacked_out(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch, broken: Any
) -> None:
    prediction = np.full((40, 60), 3.0) if broken == "flat" else np.ones((40, 60))
    if broken != "flat":
        prediction[5, 5] = broken
    with pytest.raises(StageFailed, match="NaN/inf" if broken != "flat" else "flat map"):
        depth_of(prediction, "relative", model_dir, monkeypatch)


def test_a_prompt_that_would_cut_off_the_lora_trigger_is_refused(
    model_dir: Path, tmp_path: Path, drawn_car: np.ndarray
) -> None:
    from tests.gpu.test_sdxl_controlnet import run, stylizer
    from tests.gpu.tiny_models import sdxl_lora

    root = linked_copy(model_dir, tmp_path / "models")
    lora = sdxl_lora(model_dir / "sdxl" / "unet", root / "loras")
    lora.with_suffix(".json").write_text(
        json.dumps({"trigger": "<v2v-style>", "trigger_init": "flat vector"})
    )
    short = stylizer(root, guard__enabled=False, lora__path="tiny-style", prompt="flat car")
    assert run(short, drawn_car).pixels.shape == drawn_car.shape
    long = stylizer(root, guard__enabled=False, lora__path="tiny-style", prompt="a b " * 40)
    with pytest.raises(ConfigError, match=r"trigger '<v2v-style>'.*shorten phase2\.prompt"):
        run(long, drawn_car)


def test_the_vae_decodes_in_tiles_of_the_configured_size(model_dir: Path) -> None:
    from v2v.models import sdxl

    runtime = Runtime("cpu", torch.float32, model_dir, keep_loaded=True)
    tiled, _ = sdxl.load(runtime, "sdpa", False, vae_tile=64)
    whole, _ = sdxl.load(runtime, "sdpa", False, vae_tile=0)
    vae = tiled.pipe.vae
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    assert vae.use_tiling and (vae.tile_sample_min_size, vae.tile_latent_min_size) == (
        64,
        64 // factor,
    )
    assert not whole.pipe.vae.use_tiling


def test_offloaded_controlnets_leave_the_gpu_after_the_last_step(model_dir: Path) -> None:
    from v2v.models import sdxl

    runtime = Runtime("cpu", torch.float32, model_dir, keep_loaded=True)
    loaded, _ = sdxl.load(runtime, "sdpa", False)
    assert loaded._offload_controlnets_callback() is None  # no offload, nothing to do
    moved: list[str] = []
    pipe = SimpleNamespace(num_timesteps=3, controlnet=SimpleNamespace(to=moved.append))
    offloaded = sdxl.SdxlControlNet(loaded.pipe, runtime, offload=True)
    callback = offloaded._offload_controlnets_callback()
    for step in range(3):
        assert callback(pipe, step, 0, {"latents": step}) == {"latents": step}
        assert moved == (["cpu"] if step == 2 else [])
