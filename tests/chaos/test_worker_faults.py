"""Faults in the worker while a job runs (the fast part of the suite: it runs with `make test`).

A worker process is killed in every stage of a job; the disk fills up while a job writes its
results. Each time: what the client saw, and every job ends once with consistent files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.chaos.conftest import audit
from tests.chaos.runners import STAGES
from tests.service.conftest import upload, wait_until_finished
from v2v.service.jobs.files import JobFiles

Client = Callable[..., TestClient]


def _wait_phase(client: TestClient, job_id: str, phase: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (body := client.get(f"/api/v1/jobs/{job_id}").json()).get("phase") != phase:
        assert body["status"] in ("queued", "running"), body
        assert time.monotonic() < deadline, f"the job never reached {phase}: {body}"
        time.sleep(0.02)


@pytest.mark.parametrize(
    "stages",
    [
        pytest.param(("phase2", "write"), id="two-stages"),
        pytest.param(STAGES, id="every-stage", marks=pytest.mark.chaos),
    ],
)
def test_a_worker_killed_in_a_stage_loses_no_job_and_runs_none_twice(
    make_client: Client, car_png: bytes, monkeypatch: pytest.MonkeyPatch, stages: tuple[str, ...]
) -> None:
    # each stage lasts 1 s: the kill must land in the stage it was aimed at, after the poll saw
    # it; at 0.4 s a loaded machine (load 9.5 on 2 cores) let the job finish first, once
    monkeypatch.setenv("V2V_CHAOS_STEP", "1.0")
    client = make_client(runner="tests.chaos.runners:staged", worker_mode="process", job_workers=1)
    services = client.app.state.services  # type: ignore[attr-defined]
    saw = []
    ids = []
    for stage in stages:
        job_id = client.post("/api/v1/jobs", files=upload(car_png)).json()["id"]
        ids.append(job_id)
        _wait_phase(client, job_id, stage)
        worker = services.executor.slots[0].worker
        os.kill(worker.process.pid, signal.SIGKILL)
        done = wait_until_finished(client, job_id, timeout=60)
        saw.append(f"{stage}:{done['status']}/{done['attempts']}")
        assert done["status"] == "succeeded" and done["attempts"] == 2, done
        assert client.get(done["urls"]["svg"]).status_code == 200
    row = audit(
        services.store,
        services.files,
        ids,
        f"worker process killed in {', '.join(stages) if len(stages) < 3 else 'every stage'}",
        "running, then succeeded on attempt 2 (" + ", ".join(saw) + ")",
    )
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row


def test_a_full_disk_while_writing_results_fails_the_job_cleanly_and_the_worker_goes_on(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner="tests.chaos.runners:disk_full")
    services = client.app.state.services  # type: ignore[attr-defined]
    ids = [client.post("/api/v1/jobs", files=upload(car_png)).json()["id"] for _ in range(2)]
    ended = [wait_until_finished(client, job_id, timeout=60) for job_id in ids]
    for body in ended:
        assert body["status"] == "failed" and body["error"]["code"] == "disk_full", body
        assert "disk is full" in body["error"]["detail"] and "/" not in body["error"]["detail"]
    row = audit(
        services.store,
        services.files,
        ids,
        "disk full (ENOSPC) while writing results",
        "failed, code disk_full: 'the server's disk is full ... submit the job again'",
    )
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row


def test_a_server_process_starting_keeps_a_sibling_s_upload_in_flight(tmp_path: Path) -> None:
    """With WORKERS > 1 (or uvicorn restarting a dead worker) one process's start-up must not
    delete the upload another process is receiving; a dead process's leftovers do go."""
    sibling = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from v2v.service.jobs.files import "
            "JobFiles; p = JobFiles(Path(sys.argv[1])).temp_path('.part'); p.write_bytes(b'x');"
            " print(p, flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert sibling.stdout is not None
        upload_in_flight = Path(sibling.stdout.readline().strip())
        files = JobFiles(tmp_path)
        files.prepare()  # another server process starts
        assert upload_in_flight.is_file()
    finally:
        sibling.kill()
        sibling.wait(10)
    JobFiles(tmp_path).prepare()  # the next start-up: the dead sibling's half upload is gone
    assert not upload_in_flight.exists()
    assert [p for p in files.tmp_root.rglob("*") if p.is_file()] == []
