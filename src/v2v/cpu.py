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
from collections.abc import Iterator
from contextlib import contextmanager
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
    ``workers`` processes uses its share of the cores."""
    limit_threads(threads_per_worker(workers))


#: glibc's mallopt parameters: the most malloc arenas a process may have; the size from which
#: an allocation gets pages of its own (returned to the system when freed); how much free memory
#: at the heap's top is kept
_M_ARENA_MAX = -8
_M_MMAP_THRESHOLD = -3
_M_TRIM_THRESHOLD = -1
#: while a model runs in a one-photo process, buffers from this size on get pages of their own
MAPPED_FROM = 4 << 20
#: afterwards: glibc's own ceiling for its self-tuned threshold (64-bit), and twice that kept
_MAPPED_AFTER = 32 << 20
_mapped_runs = False


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


def map_model_buffers() -> bool:
    """In this process, give the large buffers of a model run (:func:`model_run`) pages of their
    own, returned when freed; True when done (glibc only, and not when the operator tunes
    malloc's thresholds: ``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``,
    ``GLIBC_TUNABLES``).

    The peak of a one-photo process is the saliency model's 320 px look: onnxruntime allocates
    and frees a few hundred buffers of 0.4-26 MB in it, and glibc, which by then serves such
    sizes from its heap (its threshold for pages of their own rises to the largest block freed),
    cannot fit them into the holes of earlier ones: the look alone grows the process by about
    230 MB for about 85 MB of tensors alive at once. Measured on ``v2v process`` at 640 and
    1024 px (3 runs each): peak RSS 430-451 MB before, 363-385 MB with pages of their own from
    4 MB on. Each such buffer is then faulted in afresh (about 0.25 s more CPU for the two looks
    measured alone), so only ``v2v process`` asks for it; a service or a batch worker, which
    runs many photos and keeps its heap warm, keeps glibc's default."""
    global _mapped_runs
    tuned = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    if any(name in os.environ for name in tuned) or "glibc.malloc" in os.environ.get(
        "GLIBC_TUNABLES", ""
    ):
        return False
    _mapped_runs = _mallopt() is not None
    return _mapped_runs


@contextmanager
def model_run() -> Iterator[None]:
    """Around a large model's run: its buffers of :data:`MAPPED_FROM` bytes or more get pages of
    their own when the process asked for it (:func:`map_model_buffers`); nothing otherwise.
    Afterwards other allocations are served as glibc's self-tuning would have come to."""
    mallopt = _mallopt() if _mapped_runs else None
    if mallopt is None:
        yield
        return
    mallopt(_M_MMAP_THRESHOLD, MAPPED_FROM)
    try:
        yield
    finally:
        mallopt(_M_MMAP_THRESHOLD, _MAPPED_AFTER)
        mallopt(_M_TRIM_THRESHOLD, 2 * _MAPPED_AFTER)
