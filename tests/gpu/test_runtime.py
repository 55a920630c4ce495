"""Model runtime: device/dtype choice, the cache, load-use-flush, out-of-memory retry."""

from __future__ import annotations

import pytest

from tests.gpu.conftest import NEEDS_TORCH

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

from v2v.config import ModelsConfig  # noqa: E402
from v2v.errors import BackendUnavailable, OutOfMemory  # noqa: E402
from v2v.models.runtime import (  # noqa: E402
    CACHE,
    Runtime,
    release_after_run,
    run_with_oom_retry,
    select_dtype,
)


def test_half_precision_is_never_used_on_cpu() -> None:
    assert select_dtype(torch, "cpu", "fp16") is torch.float32
    assert select_dtype(torch, "cpu", "bf16") is torch.float32
    assert select_dtype(torch, "cuda", "auto") is torch.float16


@pytest.mark.skipif(
    torch.cuda.is_available(), reason="checks the message on a machine without CUDA"
)
def test_asking_for_cuda_without_a_gpu_says_what_to_set() -> None:
    with pytest.raises(BackendUnavailable, match=r"models\.device: auto"):
        Runtime.from_config(ModelsConfig(device="cuda"), "test")


def test_the_cache_loads_each_model_once_and_load_use_flush_releases_it() -> None:
    loads: list[str] = []
    key = ("thing", "/models/thing", "cpu", "float32")
    for _ in range(3):
        assert CACHE.get(key, lambda: loads.append("x") or "model") == "model"
    assert loads == ["x"]
    keep = Runtime("cpu", torch.float32, __import__("pathlib").Path("/m"), keep_loaded=True)
    release_after_run(keep, ("thing",))
    assert key in CACHE
    flush = Runtime("cpu", torch.float32, keep.model_dir, keep_loaded=False)
    release_after_run(flush, ("thing",))
    assert key not in CACHE


def test_out_of_memory_frees_the_cache_and_retries_once() -> None:
    CACHE.get(("big", "/m/big", "cpu", "float32"), lambda: object())
    calls: list[int] = []

    def flaky() -> str:
        calls.append(len(CACHE))
        if len(calls) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return "image"

    assert run_with_oom_retry("SDXL", flaky) == "image"
    assert calls == [1, 0]  # the retry ran with the cache emptied


def test_a_second_out_of_memory_is_a_clear_error() -> None:
    def always() -> None:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")

    with pytest.raises(OutOfMemory, match=r"phase2\.resolution"):
        run_with_oom_retry("SDXL", always)


def test_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def broken() -> None:
        calls.append(1)
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        run_with_oom_retry("SDXL", broken)
    assert calls == [1]
