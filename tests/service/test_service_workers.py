"""Worker processes: a dead worker is replaced (bounded retries); a stuck one is killed."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.conftest import upload, wait_for_status, wait_until_finished

Client = Callable[..., TestClient]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_worker_process_that_dies_is_replaced_and_the_job_retried_then_failed(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(
        runner="tests.service.fakes:die", worker_mode="process", job_max_attempts=2
    )
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    done = wait_until_finished(client, job["id"], timeout=60)
    assert done["status"] == "failed" and done["attempts"] == 2
    assert "worker process exited (code 3)" in done["error"]["detail"]
    assert "gave up after 2 attempt(s)" in done["error"]["detail"]
    assert client.get("/ready").json()["checks"]["workers"]["ok"] is True


def test_cancel_kills_a_worker_stuck_inside_a_stage(
    make_client: Client, car_png: bytes, tmp_path: Path
) -> None:
    client = make_client(
        runner="tests.service.fakes:stubborn", worker_mode="process", cancel_grace_seconds=0.5
    )
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    marker = tmp_path / "data" / "jobs" / job["id"] / "stubborn.pid"
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(marker.read_text())
    assert _alive(pid)
    started = time.monotonic()
    client.post(f"/api/v1/jobs/{job['id']}/cancel")
    done = wait_until_finished(client, job["id"], timeout=10)
    assert done["status"] == "cancelled"
    assert time.monotonic() - started < 5  # not the 60 s the stage would have taken
    assert not _alive(pid)


def test_a_job_longer_than_job_timeout_fails_with_the_reason(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner="tests.service.fakes:slow", job_timeout=1)
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_for_status(client, job["id"], "running")
    done = wait_until_finished(client, job["id"], timeout=10)
    assert done["status"] == "failed" and done["error"]["code"] == "timeout"
    assert "JOB_TIMEOUT" in done["error"]["detail"]


def test_a_synchronous_request_is_bounded_by_request_timeout(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner="tests.service.fakes:slow")
    services = client.app.state.services  # type: ignore[attr-defined]
    services.settings = services.settings.model_copy(update={"request_timeout": 1})
    started = time.monotonic()
    response = client.post("/api/v1/process", files=upload(car_png))
    assert response.status_code == 504 and "REQUEST_TIMEOUT" in response.json()["detail"]
    assert time.monotonic() - started < 3.5
    job_id = response.json()["job_id"]
    assert wait_until_finished(client, job_id, timeout=5)["status"] == "cancelled"
