"""Model runtime: optional-dependency checks, device and dtype, the model cache, GPU memory.

Everything that touches torch imports it inside a function, so ``import v2v.models`` stays light.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from v2v.config_sections import ModelsConfig
from v2v.errors import BackendUnavailable, OutOfMemory
from v2v.models.layout import resolve_model_dir

T = TypeVar("T")
GPU_EXTRA = "pip install 'vehicle-to-vector[gpu]'"


def require_modules(backend: str, *modules: str) -> list[ModuleType]:
    """Import ``modules``; raise BackendUnavailable naming the missing one and the extra."""
    loaded = []
    for name in modules:
        try:
            loaded.append(importlib.import_module(name))
        except ImportError as exc:
            raise BackendUnavailable(
                f"backend {backend!r} needs the Python package {name!r} ({exc}); "
                f"install the GPU extra: {GPU_EXTRA} (on a CPU-only machine install "
                "torch first from the CPU wheel index)"
            ) from None
    return loaded


def import_torch(backend: str) -> Any:
    """The torch module, or BackendUnavailable with the install command."""
    return require_modules(backend, "torch")[0]


@dataclass(frozen=True)
class Runtime:
    """Resolved runtime of one backend: device ('cuda'/'cpu'), torch dtype, model directory."""

    device: str
    dtype: Any
    model_dir: Path
    keep_loaded: bool

    @classmethod
    def from_config(cls, models: ModelsConfig, backend: str) -> Runtime:
        torch = import_torch(backend)
        device = select_device(torch, models.device)
        dtype = select_dtype(torch, device, models.precision)
        return cls(device, dtype, resolve_model_dir(models.dir), models.keep_loaded)

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).replace("torch.", "")


def select_device(torch: Any, setting: str) -> str:
    """'cuda' or 'cpu' from the ``models.device`` setting (auto/cuda/cpu)."""
    available = bool(torch.cuda.is_available())
    if setting == "cuda" and not available:
        raise BackendUnavailable(
            "models.device is 'cuda' but PyTorch sees no CUDA GPU; "
            "set models.device: auto (or cpu) or install a CUDA build of torch"
        )
    if setting == "auto":
        return "cuda" if available else "cpu"
    return setting


def select_dtype(torch: Any, device: str, precision: str) -> Any:
    """fp16 (or bf16 when asked and supported) on CUDA; always fp32 on CPU."""
    if device != "cuda" or precision == "fp32":
        return torch.float32
    if precision == "bf16":
        if not torch.cuda.is_bf16_supported():
            raise BackendUnavailable(
                "models.precision is bf16 but this GPU has no bfloat16; use fp16 or auto"
            )
        return torch.bfloat16
    return torch.float16


class ModelCache:
    """Loaded models by key, shared across runs and threads; loads each key once."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, ...], Any] = {}
        self._lock = threading.RLock()
        self.loads = 0

    def get(self, key: tuple[str, ...], loader: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._items:
                self._items[key] = loader()
                self.loads += 1
            return self._items[key]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def release(self, kinds: tuple[str, ...] | None = None) -> int:
        """Drop cached models whose key starts with one of ``kinds`` (all when None)."""
        with self._lock:
            doomed = [k for k in self._items if kinds is None or k[0] in kinds]
            for key in doomed:
                del self._items[key]
        if doomed:
            free_memory()
        return len(doomed)


CACHE = ModelCache()


def free_memory() -> None:
    """Collect garbage and return the CUDA caching allocator's free blocks to the driver."""
    gc.collect()
    torch = _torch_if_imported()
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def _torch_if_imported() -> Any:
    import sys

    return sys.modules.get("torch")


def is_out_of_memory(exc: BaseException) -> bool:
    torch = _torch_if_imported()
    if torch is not None and isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def run_with_oom_retry(what: str, call: Callable[[], T]) -> T:
    """Run ``call``; on GPU out-of-memory free every cached model and retry once.

    ``call`` must fetch its models through CACHE so the retry reloads what it needs.
    A second out-of-memory raises OutOfMemory with what to change.
    """
    try:
        return call()
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
    CACHE.release()
    try:
        return call()
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        raise OutOfMemory(
            f"{what}: the GPU ran out of memory twice, the second time after freeing every "
            "cached model; lower phase2.resolution, set phase2.cpu_offload: true or "
            "models.keep_loaded: false, or use a GPU with more memory"
        ) from None


# (notes of the GPU phase running in this context, whether it runs on CUDA)
_RUN_NOTES: ContextVar[tuple[dict[str, Any], bool] | None] = ContextVar("v2v_run", default=None)


@contextmanager
def gpu_memory(notes: dict[str, Any], device: str) -> Iterator[None]:
    """Record the memory a GPU phase used, and the ONNX providers it ran on, in ``notes``:

    - ``peak_gpu_memory_mb``: the peak memory PyTorch allocated inside the block (MiB);
    - ``device_memory_used_mb``: the most device memory in use (total − free, as the driver
      sees it) after any ONNX run and at the end of the block: this counts ONNX Runtime's CUDA
      arena, which PyTorch's counter never sees (and other processes on the same GPU);
    - ``onnx_providers``: {file name: providers it really ran on}, for every ONNX model run.

    On CPU the memory notes are None.
    """
    torch = _torch_if_imported()
    on_gpu = device == "cuda" and torch is not None and torch.cuda.is_available()
    if on_gpu:
        torch.cuda.reset_peak_memory_stats()
    notes.setdefault("onnx_providers", {})
    notes["device_memory_used_mb"] = None
    token = _RUN_NOTES.set((notes, on_gpu))
    try:
        yield
    finally:
        _RUN_NOTES.reset(token)
        peak = torch.cuda.max_memory_allocated() / 2**20 if on_gpu else None
        notes["peak_gpu_memory_mb"] = round(peak, 1) if peak is not None else None
        if on_gpu:
            _note_device_memory(notes)


def record_onnx_run(name: str, providers: tuple[str, ...]) -> None:
    """Called by every ONNX run: its providers (and the device memory then) go to the notes of
    the ``gpu_memory`` block around it, if any."""
    current = _RUN_NOTES.get()
    if current is not None:
        notes, on_gpu = current
        notes.setdefault("onnx_providers", {})[name] = list(providers)
        if on_gpu:
            _note_device_memory(notes)


def _note_device_memory(notes: dict[str, Any]) -> None:
    torch = _torch_if_imported()
    free, total = torch.cuda.mem_get_info()
    used = round((total - free) / 2**20, 1)
    notes["device_memory_used_mb"] = max(used, notes.get("device_memory_used_mb") or 0.0)


def release_after_run(runtime: Runtime, kinds: tuple[str, ...]) -> None:
    """Load-use-flush: drop this backend's models unless ``models.keep_loaded``."""
    if not runtime.keep_loaded:
        CACHE.release(kinds)


def cache_key(kind: str, path: Path, runtime: Runtime, *extra: str) -> tuple[str, ...]:
    return (kind, str(path), runtime.device, runtime.dtype_name, *extra)
