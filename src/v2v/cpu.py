"""How many CPU threads one conversion may use, so that workers × threads ≤ cores.

One conversion uses three thread pools: onnxruntime's (phase I's models, QA's text check),
OpenCV's and, for the GPU backends on a CPU, PyTorch's. Each defaults to one thread per core.
That suits one conversion at a time; ``v2v batch --workers N`` and a service with
``JOB_WORKERS=N`` run N at once, and N × cores busy threads on ``cores`` cores only add
switching. So each worker process is given ``cores // N`` threads (at least one):

- ``V2V_CPU_THREADS`` (environment): threads per conversion in this process. Unset: the cores
  this process may run on, at most :data:`MAX_THREADS`;
- :func:`limit_threads` applies a count to OpenCV and PyTorch (when imported) and sets the
  variable for onnxruntime sessions created later (``v2v.stages.sanitize.runtime``) and for
  child processes;
- :func:`worker_initializer` is the ``ProcessPoolExecutor`` initializer that does this for one
  of N workers.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import Any

from v2v.errors import ConfigError

ENV = "V2V_CPU_THREADS"
#: threads of one conversion when nothing else is said: measured on the 2-core target, more
#: threads per model run pay little (the models are small) and steal the other stages' time
MAX_THREADS = 2


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. under ``taskset``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux: no affinity API
        return os.cpu_count() or 1


def cpu_threads() -> int:
    """Threads for one model run or OpenCV call in this process (see the module's notes)."""
    value = os.environ.get(ENV, "").strip()
    if value:
        try:
            threads = int(value)
        except ValueError:
            threads = 0
        if threads < 1:
            raise ConfigError(f"{ENV}={value!r}: use a whole number of threads, 1 or more")
        return threads
    return max(1, min(MAX_THREADS, available_cores()))


def threads_per_worker(workers: int) -> int:
    """Threads each of ``workers`` processes may use so that together they fit the cores (at
    most MAX_THREADS, as for one process)."""
    return max(1, min(MAX_THREADS, available_cores() // max(1, workers)))


def limit_threads(threads: int) -> None:
    """Use at most ``threads`` threads per pool in this process (and its children)."""
    os.environ[ENV] = str(threads)
    limit_threads_here(threads)


def limit_threads_here(threads: int) -> None:
    """Give OpenCV and PyTorch (when imported) ``threads`` threads, leaving the environment
    alone (onnxruntime sessions read :func:`cpu_threads` when they are made)."""
    import cv2

    cv2.setNumThreads(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def apply_environment() -> None:
    """Apply ``V2V_CPU_THREADS`` to OpenCV and PyTorch too (a worker process calls this after
    its environment was set; onnxruntime sessions read it when they are made)."""
    if os.environ.get(ENV, "").strip():
        limit_threads(cpu_threads())


def worker_initializer(workers: int) -> None:
    """``ProcessPoolExecutor(initializer=worker_initializer, initargs=(workers,))``: each of
    ``workers`` processes uses its share of the cores and keeps the memory it frees
    (:func:`keep_freed_memory`)."""
    limit_threads(threads_per_worker(workers))
    keep_freed_memory()


#: glibc's mallopt parameters: the most malloc arenas a process may have; the free memory at
#: the top of the heap above which glibc gives it back; the size from which a block gets pages
#: of its own (unmapped when freed)
_M_ARENA_MAX = -8
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: what a worker that converts photo after photo keeps (see keep_freed_memory)
KEPT_MMAP_THRESHOLD = 64 << 20
KEPT_TRIM_THRESHOLD = 256 << 20


@cache
def _mallopt() -> Any:
    """glibc's ``mallopt``, or None (not Linux, not glibc: musl has none)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return None


def _operator_tuned_malloc() -> bool:
    """True when the operator set glibc's malloc up themselves (environment or tunables)."""
    return any(key.startswith("MALLOC_") for key in os.environ) or "glibc.malloc." in (
        os.environ.get("GLIBC_TUNABLES", "")
    )


def keep_freed_memory() -> bool:
    """Make glibc keep the memory this process frees, for the next photo; True when done.

    A conversion allocates and frees a few hundred MB of large arrays (the photo at working
    size in several forms, the models' buffers, the renderings). glibc gives blocks of 128 kB
    to 32 MB pages of their own and the top of its heap back to the system once more than
    twice that is free, so every photo of a worker faulted in about 60,000 fresh pages (about
    240 MB zeroed by the kernel): 0.17 s of system time and cache misses besides. With blocks
    up to :data:`KEPT_MMAP_THRESHOLD` from the heap and up to :data:`KEPT_TRIM_THRESHOLD` of
    free heap kept, a warm photo costs about 12 % less CPU, for about 70-130 MB more resident
    memory in a worker that has converted a few photos (see docs/performance.md). For workers
    that convert many photos (``v2v batch``, the service's workers); a one-photo
    ``v2v process`` keeps glibc's default (its peak RSS counts). Does nothing elsewhere than
    glibc or when the operator tuned malloc (``MALLOC_*``, ``GLIBC_TUNABLES``).
    """
    if _operator_tuned_malloc():
        return False
    mallopt = _mallopt()
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, KEPT_MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, KEPT_TRIM_THRESHOLD)
    )


def one_malloc_arena() -> bool:
    """Make every thread of this process allocate from one glibc malloc arena; True when done.

    glibc gives threads arenas of their own (up to 8 per core), and memory freed in one arena
    is not reused by threads of another. A cold ``v2v process`` builds models in the preload
    thread while the main thread runs phase I, and onnxruntime's pool threads allocate too:
    one arena lowered its peak RSS by about 10 MB at 640 px (9 interleaved runs each: median
    463 -> 453 MB) for no CPU time that showed (the GIL already serialises most allocations).
    Call it before threads start (``v2v process`` does; a long-running service with many
    threads keeps glibc's default); elsewhere than glibc it does nothing and says False, and
    so it does when the operator chose arenas (``MALLOC_ARENA_MAX``, ``GLIBC_TUNABLES``).
    """
    if "MALLOC_ARENA_MAX" in os.environ or "glibc.malloc.arena_max" in os.environ.get(
        "GLIBC_TUNABLES", ""
    ):
        return False
    mallopt = _mallopt()
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, 1))
