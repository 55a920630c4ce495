"""How phase I's models are loaded and use the CPU, in one place.

onnxruntime's defaults suit a machine of its own: one worker thread per physical core, each
pinned to its core (which also escapes ``taskset``) and spinning while it waits for work. On a
small shared machine (the product's target is 2 cores, and a service runs several jobs at once)
spinning threads burn the time the other stages need. So every session here gets at most
``cpu_threads()`` worker threads (``v2v.cpu``: at most ``MAX_THREADS``, never more than the
cores this process may run on, a worker's share of them when several run) and threads that
sleep when idle.

Each model class (the object detector, the saliency model, the text detector, the face finder)
is a :class:`SharedModel`: built once per process by ``shared()``, on first use or by the
background preload (``v2v.preload``), never twice. :func:`onnx_session` makes the ONNX sessions
of the detector and the saliency model (the text detector's come from rapidocr, with the same
settings).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

from v2v.cpu import MAX_THREADS, cpu_threads
from v2v.errors import BackendUnavailable, WeightsMissing

__all__ = ["MAX_THREADS", "SharedModel", "cpu_threads", "onnx_session", "session_options"]

_Model = TypeVar("_Model", bound="SharedModel")


class SharedModel:
    """A model built once per process: ``Class.shared()`` builds it (``Class()``) on first use
    and returns the same instance to every caller and thread after; a second caller during the
    build waits for it. ``Class._shared`` is the instance, None until built."""

    _shared: ClassVar[Any] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._shared = None  # each model class its own instance and its own lock
        cls._shared_lock = threading.Lock()

    @classmethod
    def shared(cls: type[_Model]) -> _Model:
        """The process-wide instance, built on first use (thread-safe)."""
        if cls._shared is None:
            with cls._shared_lock:
                if cls._shared is None:
                    cls._shared = cls()
        return cast(_Model, cls._shared)


def onnx_session(model: bytes | Path, what: str, fix: str) -> Any:
    """An ``onnxruntime.InferenceSession`` on the CPU with :func:`session_options`.

    ``model``: the ONNX file or its bytes. ``what`` names the model in errors (``"the object
    detector"``), ``fix`` says how to repair a model that cannot load. Raises BackendUnavailable
    without onnxruntime, WeightsMissing when the model does not load.
    """
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise BackendUnavailable(f"{what} needs onnxruntime: pip install onnxruntime") from exc
    source = model if isinstance(model, bytes) else str(model)
    try:
        return ort.InferenceSession(
            source, session_options(ort), providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own types straight from Exception
        raise WeightsMissing(f"cannot load {what}: {exc}; {fix}") from exc


def session_options(ort: Any) -> Any:
    """``onnxruntime.SessionOptions`` for a CPU model run from one request at a time.

    ``ort`` is the imported onnxruntime module (passed in so that importing this module does
    not import onnxruntime). Sequential execution, full graph optimisation, ``cpu_threads()``
    intra-op threads, one inter-op thread, no spinning, quiet logs, and no CPU memory arena: an
    arena keeps the buffers of its largest run for the life of the process (about 170 MB more
    peak per process, measured with ``make bench-speed``; warm time the same without it).
    Graph optimisation costs at most 0.03 s per model when a session is made (measured on the
    saliency model and the detector against an optimised copy saved by onnxruntime): too little
    to keep optimised copies, which are specific to the machine that made them.
    """
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = cpu_threads()
    options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options
