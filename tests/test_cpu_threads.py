"""Workers × threads ≤ cores: V2V_CPU_THREADS reaches onnxruntime, OpenCV and the service's
worker processes (issue 17)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from v2v.cpu import ENV, available_cores, cpu_threads, threads_per_worker
from v2v.errors import ConfigError

SRC = Path(__file__).resolve().parents[1] / "src"


def test_the_variable_sets_the_onnx_sessions_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import onnxruntime as ort

    from v2v.stages.sanitize.runtime import session_options

    monkeypatch.setenv(ENV, "1")
    assert session_options(ort).intra_op_num_threads == 1
    monkeypatch.setenv(ENV, "3")
    assert session_options(ort).intra_op_num_threads == 3
    monkeypatch.delenv(ENV)
    assert session_options(ort).intra_op_num_threads == min(2, available_cores())


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV, value)
    with pytest.raises(ConfigError, match=f"{ENV}=.*whole number"):
        cpu_threads()


def test_workers_share_the_cores() -> None:
    cores = available_cores()
    assert threads_per_worker(cores) == 1
    assert threads_per_worker(64) == 1
    assert threads_per_worker(1) == min(2, cores)
    assert threads_per_worker(2) * 2 <= max(2, cores)


def test_a_pool_worker_limits_opencv_and_onnxruntime() -> None:
    script = (
        "import json, os, cv2\nfrom v2v.cpu import worker_initializer\n"
        "worker_initializer(64)\n"
        "print(json.dumps([cv2.getNumThreads(), os.environ['V2V_CPU_THREADS']]))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop(ENV, None)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(done.stdout) == [1, "1"]


def test_the_service_gives_each_worker_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    from v2v.service import load_settings
    from v2v.service.app import _worker_environment

    monkeypatch.delenv(ENV, raising=False)
    settings = load_settings(_env_file=None, job_workers=64)
    assert _worker_environment(settings)[ENV] == "1"
    monkeypatch.setenv(ENV, "2")  # the operator's own setting wins
    assert _worker_environment(settings)[ENV] == "2"


_ARENAS = """
import ctypes, sys, tempfile, threading
from v2v.cpu import one_malloc_arena
done = one_malloc_arena() if sys.argv[1] == "one" else None
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes, libc.fclose.argtypes = [ctypes.c_int, ctypes.c_void_p], [ctypes.c_void_p]
kept = []
threads = [threading.Thread(target=lambda: kept.append(libc.malloc(100_000))) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
path = tempfile.mktemp()
handle = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, handle)
libc.fclose(handle)
print(done, open(path).read().count("<heap nr="))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_one_malloc_arena_keeps_threads_in_the_main_arena() -> None:
    def heaps(mode: str, **chosen: str) -> tuple[str, int]:
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        env.pop("MALLOC_ARENA_MAX", None)
        env.pop("GLIBC_TUNABLES", None)
        env.update(chosen)
        out = subprocess.run(
            [sys.executable, "-c", _ARENAS, mode], env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        done, count = out.stdout.split()
        return done, int(count)

    assert heaps("default")[1] > 1  # glibc gives the threads arenas of their own
    assert heaps("one") == ("True", 1)
    # the operator's own choice wins: nothing is changed
    assert heaps("one", MALLOC_ARENA_MAX="4")[0] == "False"
    assert heaps("one", GLIBC_TUNABLES="glibc.malloc.arena_max=2")[0] == "False"


def test_the_text_detectors_sessions_sleep_when_idle() -> None:
    """rapidocr's own sessions (detection, recognition) get the settings of phase I's: no
    spinning threads burning a 2-core machine's CPU after every run (issue 17)."""
    import numpy as np

    from v2v.stages.sanitize.text import TextDetector

    detector = TextDetector()
    page = np.full((96, 320, 3), 255, np.uint8)
    page[40:56, 20:300] = 0  # a dark bar: the detector has something to crop and read
    detector.detect(page, min_score=0.0)
    detector._engine.recognize_txt([page[30:66, :]])  # the recogniser's session, made now
    for engine in (detector._engine.text_det, detector._engine.text_rec):
        options = engine.session.session.get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert options.intra_op_num_threads == cpu_threads()


_REUSE = """
import resource, sys
import numpy as np
from v2v.cpu import keep_freed_memory, worker_initializer
done = keep_freed_memory() if sys.argv[1] == "keep" else None
if sys.argv[1] == "batch worker":
    worker_initializer(2)
np.ones(5_000_000)  # 40 MB: more than glibc's largest own-pages threshold by default (32 MB)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    np.ones(5_000_000).sum()
print(done, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_worker_reuses_the_memory_it_frees() -> None:
    def faults(mode: str, **chosen: str) -> tuple[str, int]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
        env.pop("GLIBC_TUNABLES", None)
        env.update(PYTHONPATH=str(SRC), **chosen)
        out = subprocess.run(
            [sys.executable, "-c", _REUSE, mode], env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        done, count = out.stdout.split()
        return done, int(count)

    fresh = faults("default")[1]  # fresh zeroed pages for every array (huge pages or not)
    done, count = faults("keep")
    assert done == "True" and count * 10 < fresh  # the freed block is reused
    assert faults("batch worker")[1] * 10 < fresh  # v2v batch's workers do it
    assert faults("keep", MALLOC_TRIM_THRESHOLD_="1000000")[0] == "False"  # the operator's
