"""benchmarks/gpu_check.py --random-weights --tiny: the GPU check's whole path on tiny random
models, on CPU; and the full-size architecture configs benchmarks/model_sizes.py traces."""

from __future__ import annotations

import json

import pytest

from tests.gpu.conftest import NEEDS_TORCH

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)


def test_the_gpu_check_runs_on_tiny_random_models_and_prints_one_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks import gpu_check

    summary = gpu_check.main(["--random-weights", "--tiny"])
    printed = capsys.readouterr().out.strip().splitlines()
    assert json.loads(printed[-1]) == summary
    assert summary["mode"] == "tiny-random" and summary["device"] == "cpu"
    (run,) = summary["runs"]
    assert run["precision"] == "fp32" and run["finite"] and "error" not in run
    for phase in ("phase1", "phase2", "upscale"):
        for state in ("cold", "warm"):
            assert run["phases"][f"{phase}_{state}"]["s"] > 0
    assert run["phases"]["phase1_cold"]["onnx_providers"] == {
        "model.onnx": ["CPUExecutionProvider"]
    }
    assert run["output_shape"] == [640, 1024, 3]  # 256 × 160 upscaled x4
    retry = summary["oom_retry"]
    assert retry["recovered"] and retry["models_reloaded"] >= 1


@pytest.mark.parametrize(("name", "params_m"), [("text_encoder", 123.1), ("depth", 24.8)])
def test_full_size_configs_match_the_published_parameter_counts(name: str, params_m: float) -> None:
    """CLIP ViT-L's text encoder has 123.1 M parameters, Depth Anything V2 Small 24.8 M; traced
    without allocating them."""
    from benchmarks.model_sizes import measure

    row = measure(name)
    assert row["params_m"] == params_m and "not_traced" not in row
    assert row["peak_mib"] >= row["weights_fp16_mib"] and row["activations_mib"] >= 0
