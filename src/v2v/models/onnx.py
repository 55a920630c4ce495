"""ONNX Runtime sessions for model-directory files (CUDA provider when the runtime is on CUDA)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from v2v.errors import WeightsMissing
from v2v.models.runtime import Runtime


def onnx_session(path: Path, runtime: Runtime) -> Any:
    """An ``onnxruntime.InferenceSession`` for ``path``; the CUDA provider first when available."""
    import onnxruntime as ort

    providers = ["CPUExecutionProvider"]
    if runtime.device == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers():
        providers.insert(0, "CUDAExecutionProvider")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors
        raise WeightsMissing(
            f"{path} is not a usable ONNX model ({exc}); replace the file; see docs/models.md"
        ) from None
