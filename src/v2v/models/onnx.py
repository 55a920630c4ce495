"""ONNX Runtime sessions for model-directory files, on CUDA when the runtime is on CUDA.

CPU installs carry the ``onnxruntime`` wheel, which has no CUDA provider; the CUDA image swaps it
for ``onnxruntime-gpu`` (docker/Dockerfile.cuda). A session asked for CUDA that gets the CPU
(wrong wheel, or CUDA/cuDNN libraries onnxruntime-gpu cannot load) still runs, but says so: a
``logging`` warning and a ``RuntimeWarning`` naming the file and the fix, and the providers it
really got go to the run notes (``notes['onnx_providers']``, see ``runtime.gpu_memory``).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from v2v.cpu import cpu_threads
from v2v.errors import WeightsMissing
from v2v.models.runtime import Runtime, record_onnx_run

log = logging.getLogger("v2v.models")
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
GPU_WHEEL_FIX = (
    "install the CUDA build of ONNX Runtime: pip uninstall -y onnxruntime && "
    "pip install 'onnxruntime-gpu>=1.18,<1.26' (docker/Dockerfile.cuda does this)"
)


@dataclass(frozen=True)
class OnnxModel:
    """An ``onnxruntime.InferenceSession`` with the file it came from and the providers it got."""

    path: Path
    session: Any
    providers: tuple[str, ...]

    def inputs(self) -> list[Any]:
        return list(self.session.get_inputs())

    def run(self, feed: dict[str, Any]) -> list[Any]:
        """All outputs for ``feed``; records this file's providers in the current run's notes."""
        outputs = list(self.session.run(None, feed))
        record_onnx_run(self.path.name, self.providers)
        return outputs


def requested_providers(device: str, available: list[str], device_id: int = 0) -> list[Any]:
    """The provider list for a runtime on ``device``: CUDA first (its own device, an arena that
    grows only by what is asked) when the runtime is on CUDA and the provider exists."""
    if device == "cuda" and CUDA in available:
        return [(CUDA, {"device_id": device_id, "arena_extend_strategy": "kSameAsRequested"}), CPU]
    return [CPU]


def onnx_session(path: Path, runtime: Runtime) -> OnnxModel:
    """An ONNX model for ``path`` on the runtime's device; warns when CUDA was wanted and the
    session got only the CPU."""
    import onnxruntime as ort

    available = list(ort.get_available_providers())
    providers = requested_providers(runtime.device, available, _cuda_device_id())
    options = ort.SessionOptions()
    options.log_severity_level = 3  # onnxruntime's own chatter; the fallback is reported below
    if providers == [CPU]:  # a CPU run shares the cores with the other stages and workers
        options.intra_op_num_threads = cpu_threads()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors
        raise WeightsMissing(
            f"{path} is not a usable ONNX model ({exc}); replace the file; see docs/models.md"
        ) from None
    got = tuple(session.get_providers())
    if runtime.device == "cuda" and CUDA not in got:
        warn_cpu_fallback(path, available)
    return OnnxModel(path, session, got)


def warn_cpu_fallback(path: Path, available: list[str]) -> None:
    reason = (
        "onnxruntime-gpu could not start CUDA (check the CUDA 12 and cuDNN 9 libraries)"
        if CUDA in available
        else f"this onnxruntime has no CUDA provider (it has {', '.join(available)})"
    )
    message = (
        f"{path.name} runs on the CPU although models.device is CUDA: {reason}; "
        f"it is several times slower there; {GPU_WHEEL_FIX}"
    )
    log.warning(message)
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def _cuda_device_id() -> int:
    """The CUDA device torch uses in this process (a worker pinned to cuda:N uses N)."""
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return int(torch.cuda.current_device())
    return 0
