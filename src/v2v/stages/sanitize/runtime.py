"""How phase I's ONNX models use the CPU: thread count and session options, in one place.

onnxruntime's defaults suit a machine of its own: one worker thread per physical core, each
pinned to its core (which also escapes ``taskset``) and spinning while it waits for work. On a
small shared machine (the product's target is 2 cores, and a service runs several jobs at once)
spinning threads burn the time the other stages need. So every session here gets at most
``cpu_threads()`` worker threads (``v2v.cpu``: at most ``MAX_THREADS``, never more than the
cores this process may run on, a worker's share of them when several run) and threads that
sleep when idle.
"""

from __future__ import annotations

from typing import Any

from v2v.cpu import MAX_THREADS, cpu_threads

__all__ = ["MAX_THREADS", "cpu_threads", "session_options"]


def session_options(ort: Any) -> Any:
    """``onnxruntime.SessionOptions`` for a CPU model run from one request at a time.

    ``ort`` is the imported onnxruntime module (passed in so that importing this module does
    not import onnxruntime). Sequential execution, full graph optimisation, ``cpu_threads()``
    intra-op threads, one inter-op thread, no spinning, quiet logs, and no CPU memory arena: an
    arena keeps the buffers of its largest run for the life of the process (about 170 MB more
    peak per process, measured with ``make bench-speed``; warm time the same without it).
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
