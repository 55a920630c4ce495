"""Background loops survive their errors (log, back off, go on); /ready reports one that fails."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from tests.service.conftest import upload, wait_until_finished
from v2v.service import Settings
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import JobStore

Client = Callable[..., TestClient]


def _locked() -> OperationalError:
    return OperationalError("UPDATE jobs ...", {}, Exception("database is locked"))


def _failing(original: Callable[..., Any], times: list[int]) -> Callable[..., Any]:
    """``original``, raising "database is locked" while ``times[0]`` > 0 (counting down)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if times[0] > 0:
            times[0] -= 1
            raise _locked()
        return original(*args, **kwargs)

    return call


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def test_a_dispatcher_slot_survives_database_errors_and_runs_the_job(
    make_client: Client, car_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = [3]
    monkeypatch.setattr(JobStore, "claim_next", _failing(JobStore.claim_next, times))
    client = make_client(job_workers=1)
    response = client.post("/api/v1/jobs", files=upload(car_png))
    assert response.status_code == 202
    done = wait_until_finished(client, response.json()["id"], timeout=30)
    assert done["status"] == "succeeded" and times == [0]
    assert client.get("/ready").status_code == 200


def test_an_error_during_a_job_hands_the_job_back_and_the_slot_goes_on(
    make_client: Client, car_png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = [1]  # the job's folder cannot be read once (a vanished mount)
    monkeypatch.setattr(JobFiles, "input_path", _failing(JobFiles.input_path, times))
    client = make_client(job_workers=1, runner="tests.service.fakes:medium")
    job_id = client.post("/api/v1/jobs", files=upload(car_png)).json()["id"]
    done = wait_until_finished(client, job_id, timeout=30)
    assert done["status"] == "succeeded" and times == [0]
    assert done["attempts"] == 1  # handed back without using one of its attempts


def test_housekeeping_keeps_sweeping_and_ready_reports_it_while_it_fails(
    make_client: Client,
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    times = [10_000]
    monkeypatch.setattr(JobStore, "stale", _failing(JobStore.stale, times))
    client = make_client(settings=make_settings(job_stale_seconds=1.5))  # sweeps every 0.5 s

    def ready_problem() -> bool:
        response = client.get("/ready")
        detail = response.json()["checks"]["workers"]["detail"]
        return response.status_code == 503 and "housekeeping loop has failed" in detail

    _wait_for(ready_problem)
    assert "database is locked" in client.get("/ready").json()["checks"]["workers"]["detail"]
    assert client.get("/health").status_code == 200  # the process answers all along
    times[0] = 0  # the database answers again: the loop, still there, recovers
    _wait_for(lambda: client.get("/ready").status_code == 200, timeout=60)
