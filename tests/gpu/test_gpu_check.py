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
    assert run["precision"] == "fp32"
    assert run["finite"] and "error" not in run, run.get("error")
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


def test_phase_estimates_add_resident_weights_and_the_largest_activation() -> None:
    from benchmarks.model_sizes import phase_estimates

    def row(weights: int, activations: int, gflop: int = 0) -> dict[str, int]:
        return {"peak_mib": weights + activations, "activations_mib": activations, "gflop": gflop}

    rows = {
        "grounding_dino": row(400, 600),
        "sam": row(1200, 1000),
        "birefnet_backbone": row(700, 800),
        "unet": row(4900, 200, 7500),
        "controlnet": row(2400, 200, 3400),
        "text_encoder": row(200, 2),
        "text_encoder_2": row(1300, 2),
        "depth": row(50, 100),
        "vae": row(320, 1900, 6200),  # fp32 weights; stored fp16 (160) between decodes
        "vae_tiled": row(320, 800),
    }
    out = phase_estimates(rows, steps=30)
    assert out["phase1_peak_mib"] == 400 + 1200 + 700 + 1000
    resident = 4900 + 2 * 2400 + 200 + 1300 + 50 + 700 + 160
    assert out["phase2_weights_mib"] == resident
    assert out["phase2_decode_tiled_peak_mib"] == resident + 160 + 800
    assert out["both_phases_resident_peak_mib"] == 400 + 1200 + out["phase2_peak_mib"]
    assert out["phase2_tflop_per_generation"] == round((30 * (7500 + 2 * 3400) + 6200) / 1000)
    rows["sam"] = {"peak_mib": None, "activations_mib": None}
    assert phase_estimates(rows) == {"incomplete": ["sam"]}
