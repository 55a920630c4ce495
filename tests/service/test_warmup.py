"""Workers warm their models before their first job; ``/ready`` says "warming" until then."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import upload, wait_until_finished
from tests.service.fakes import quick
from v2v import RunContext
from v2v.service.jobs import runner as runner_module
from v2v.service.jobs.messages import Outcome, Task
from v2v.service.jobs.warmup import WARM_UP_ID, drawn_car

GATE = threading.Event()
SEEN: list[str] = []


def gated(task: Task, ctx: RunContext) -> Outcome:
    """The runner while a test holds the gate: the warm-up waits for it; jobs run at once."""
    SEEN.append(task.job_id)
    if task.job_id == WARM_UP_ID:
        assert GATE.wait(30), "the test never opened the gate"
    return quick(task, ctx)


def _ready(client: TestClient) -> tuple[int, dict[str, Any]]:
    answer = client.get("/ready")
    return answer.status_code, answer.json()


def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_ready_says_warming_and_jobs_wait_until_the_worker_is_warm(
    make_client: Callable[..., TestClient], car_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    GATE.clear()
    SEEN.clear()
    monkeypatch.setattr(runner_module, "run_task", gated)  # the library's runner, by path
    client = make_client(runner=None, warm_workers=True)
    status, body = _ready(client)
    assert status == 503 and body["status"] == "warming" and body["failing"] == []
    assert "warming up" in body["checks"]["workers"]["detail"]
    job_id = client.post("/api/v1/jobs", files=upload(car_png)).json()["id"]
    time.sleep(0.5)
    assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "queued"
    GATE.set()
    _wait(lambda: _ready(client)[1]["status"] == "ready")
    assert _ready(client)[0] == 200
    assert wait_until_finished(client, job_id)["status"] == "succeeded"
    assert [WARM_UP_ID, job_id] == SEEN  # the warm-up ran first, in the job's worker


def test_a_failing_warm_up_leaves_a_working_cold_worker(
    make_client: Callable[..., TestClient], car_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_warm_up(task: Task, ctx: RunContext) -> Outcome:
        if task.job_id == WARM_UP_ID:
            raise RuntimeError("no model today")
        return quick(task, ctx)

    monkeypatch.setattr(runner_module, "run_task", broken_warm_up)
    client = make_client(runner=None, warm_workers=True)
    _wait(lambda: _ready(client)[1]["status"] == "ready")
    job_id = client.post("/api/v1/jobs", files=upload(car_png)).json()["id"]
    assert wait_until_finished(client, job_id)["status"] == "succeeded"


def test_the_real_warm_up_loads_the_pipelines_models(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v.stages.sanitize.saliency import SaliencyModel
    from v2v.stages.sanitize.text import TextDetector

    monkeypatch.setattr(SaliencyModel, "_shared", None)
    monkeypatch.setattr(TextDetector, "_shared", None)
    client = make_client(runner=None, warm_workers=True)
    _wait(lambda: _ready(client)[1]["status"] == "ready", timeout=180)
    assert SaliencyModel._shared is not None
    assert TextDetector._shared is not None


def test_the_warm_up_photo_is_a_vehicle_the_pipeline_draws() -> None:
    from v2v import convert

    result = convert(drawn_car())
    assert result.svg is not None and result.report["qa"]["silhouette_iou"] > 0.8


def test_a_worker_that_will_warm_counts_as_warming_before_it_has_started() -> None:
    """The dispatcher starts its worker on its first step: a /ready asked before that must say
    "warming", not "ready" (the first job would wait behind the whole warm-up)."""
    from v2v.service.jobs.worker_handle import WorkerHandle

    def handle(warm_up: bool) -> WorkerHandle:
        return WorkerHandle(
            "thread", "v2v.service.jobs.runner:run_task", {}, "info", "json", "w", 0, warm_up
        )

    assert handle(warm_up=True).warming()
    assert not handle(warm_up=False).warming()
