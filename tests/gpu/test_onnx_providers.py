"""ONNX models on the GPU deployment: the providers a session really got are reported, a CUDA
runtime that gets the CPU says so loudly, and the CUDA image ships onnxruntime-gpu."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.gpu.conftest import NEEDS_TORCH

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

from v2v.artefacts import Photo  # noqa: E402
from v2v.config import ModelsConfig  # noqa: E402
from v2v.context import RunContext  # noqa: E402
from v2v.models.onnx import CPU, CUDA, onnx_session, requested_providers  # noqa: E402
from v2v.models.runtime import Runtime, gpu_memory  # noqa: E402
from v2v.stages.sanitize.grounded_sam_lama import DetectionConfig, GroundedSamLamaConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_cuda_comes_first_only_for_a_cuda_runtime_with_the_provider() -> None:
    assert requested_providers("cpu", [CUDA, CPU]) == [CPU]
    assert requested_providers("cuda", [CPU]) == [CPU]
    first, second = requested_providers("cuda", [CUDA, CPU], device_id=1)
    assert first[0] == CUDA and first[1]["device_id"] == 1 and second == CPU


@pytest.mark.skipif(
    "CUDAExecutionProvider" in __import__("onnxruntime").get_available_providers(),
    reason="checks the CPU wheel's fallback warning",
)
def test_a_cuda_runtime_on_the_cpu_wheel_warns_and_names_the_fix(model_dir: Path) -> None:
    runtime = Runtime("cuda", torch.float16, model_dir, keep_loaded=True)
    with pytest.warns(RuntimeWarning, match=r"model\.onnx runs on the CPU.*onnxruntime-gpu"):
        model = onnx_session(model_dir / "birefnet" / "model.onnx", runtime)
    assert model.providers == (CPU,)


def test_a_cpu_runtime_does_not_warn(model_dir: Path, recwarn: pytest.WarningsRecorder) -> None:
    runtime = Runtime("cpu", torch.float32, model_dir, keep_loaded=True)
    onnx_session(model_dir / "birefnet" / "model.onnx", runtime)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_every_onnx_run_in_a_phase_lands_in_its_notes(model_dir: Path) -> None:
    runtime = Runtime("cpu", torch.float32, model_dir, keep_loaded=True)
    model = onnx_session(model_dir / "birefnet" / "model.onnx", runtime)
    feed = {model.inputs()[0].name: np.zeros((1, 3, 64, 64), np.float32)}
    notes: dict[str, object] = {}
    with gpu_memory(notes, "cpu"):
        model.run(feed)
    model.run(feed)  # outside a phase: recorded nowhere, and no error
    assert notes["onnx_providers"] == {"model.onnx": [CPU]}
    assert notes["peak_gpu_memory_mb"] is None and notes["device_memory_used_mb"] is None


def test_phase1_reports_the_providers_of_its_onnx_models(
    model_dir: Path, drawn_car: np.ndarray
) -> None:
    from v2v.stages.sanitize.grounded_sam_lama import GroundedSamLamaSanitizer

    config = GroundedSamLamaConfig(
        backend="grounded-sam-lama", detection=DetectionConfig(box_threshold=1.0)
    )
    backend = GroundedSamLamaSanitizer(config, ModelsConfig(dir=str(model_dir)))
    clean = backend.run(Photo(drawn_car, (144, 96)), RunContext())
    assert clean.notes["onnx_providers"] == {"model.onnx": [CPU]}  # BiRefNet's export


def test_the_cuda_image_swaps_in_onnxruntime_gpu_after_the_package() -> None:
    text = (ROOT / "docker" / "Dockerfile.cuda").read_text()
    runs = [" ".join(r.split()) for r in re.findall(r"^RUN (.+?)(?<!\\)$", text, re.S | re.M)]
    package = next(i for i, r in enumerate(runs) if 'pip install ".[' in r)
    swap = next(i for i, r in enumerate(runs) if "pip uninstall -y onnxruntime" in r)
    assert swap > package, "onnxruntime-gpu must replace the CPU wheel after the package install"
    assert '${ONNXRUNTIME_GPU}"' in runs[swap] and "CUDAExecutionProvider" in runs[swap]
    assert re.search(r'ARG ONNXRUNTIME_GPU="onnxruntime-gpu[^"]*"', text)


def test_a_cpu_session_uses_this_process_share_of_the_cores(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("V2V_CPU_THREADS", "1")
    runtime = Runtime("cpu", torch.float32, model_dir, keep_loaded=True)
    model = onnx_session(model_dir / "birefnet" / "model.onnx", runtime)
    options = model.session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
