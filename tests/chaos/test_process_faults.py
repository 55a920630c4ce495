"""Faults in whole processes (``make chaos``): the API killed during an upload, during a result
write and during a cancel; the database locked during a job; two API processes with a worker each
sharing one store, one of them killed. Each API is a real server process (its worker processes in
its process group, killed with it, as a container would be).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.chaos.conftest import audit
from tests.distributed.cluster import ROOT
from tests.distributed.servers import free_port
from tests.service.conftest import photo_bytes
from v2v.service.db import Database
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import JobStore

pytestmark = pytest.mark.chaos
FINAL = {"succeeded", "failed", "cancelled"}


@dataclass
class Api:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL the server and its worker processes (a container or machine that died)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class Servers:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.started: list[Api] = []

    def start(self, port: int | None = None) -> Api:
        port = port or free_port()
        env = {
            **os.environ,
            "DATA_DIR": str(self.data_dir),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKER_MODE": "process",
            "JOB_WORKERS": "1",
            "JOB_STALE_SECONDS": "3",
            "LOG_LEVEL": "warning",
            "API_RATE_LIMIT": "",
            "MIN_FREE_DISK_MB": "0",
            "V2V_CHAOS_STEP": "0.5",
        }
        command = [sys.executable, "-m", "tests.service.serve_fake", "tests.chaos.runners:staged"]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.DEVNULL
        )
        api = Api(port, process)
        self.started.append(api)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{api.url}/health", timeout=1).status_code == 200:
                    return api
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the API never answered"
            time.sleep(0.1)

    def close(self) -> None:
        for api in self.started:
            if api.process.poll() is None:
                os.killpg(api.process.pid, signal.SIGTERM)
                try:
                    api.process.wait(15)
                except subprocess.TimeoutExpired:
                    api.kill()

    def store(self) -> tuple[JobStore, JobFiles]:
        return JobStore(Database(f"sqlite:///{self.data_dir / 'jobs.db'}")), JobFiles(self.data_dir)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    built = Servers(tmp_path / "data")
    yield built
    built.close()


PHOTO = photo_bytes(240, 150)


def _submit(api: Api) -> str:
    response = httpx.post(
        f"{api.url}/api/v1/jobs", files={"file": ("car.png", PHOTO, "image/png")}, timeout=30
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _job(api: Api, job_id: str) -> dict[str, object]:
    return dict(httpx.get(f"{api.url}/api/v1/jobs/{job_id}", timeout=30).json())


def _wait(api: Api, job_id: str, check: object, timeout: float = 60.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        body = _job(api, job_id)
        if check(body):  # type: ignore[operator]
            return body
        assert time.monotonic() < deadline, f"job {job_id}: {body}"
        time.sleep(0.02)


def test_the_api_killed_during_an_upload_leaves_no_job_and_no_file(servers: Servers) -> None:
    api = servers.start()
    done = _submit(api)
    _wait(api, done, lambda b: b["status"] in FINAL)
    saw = "nothing: the connection closed before any answer"
    with socket.create_connection(("127.0.0.1", api.port)) as raw:
        boundary = "chaosboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        raw.sendall(
            f"POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data;"
            f" boundary={boundary}\r\nContent-Length: {len(head) + 5_000_000}\r\n\r\n".encode()
            + head
            + b"\x89PNG"
            + b"\0" * 200_000
        )
        time.sleep(0.5)  # the server is receiving the upload
        api.kill()
        raw.settimeout(5)
        try:
            answer = raw.recv(100)
            saw = f"the connection closed ({answer[:20]!r})" if answer else saw
        except OSError as exc:
            saw = f"the connection failed ({type(exc).__name__})"
    again = servers.start()
    assert _job(again, done)["status"] == "succeeded"
    store, files = servers.store()
    assert store.list_jobs()[1] == 1  # only the finished job: the cut-off upload made none
    row = audit(store, files, [done], "API killed during an upload", saw)
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row


def test_the_api_killed_while_a_result_is_written_reruns_the_job_once(servers: Servers) -> None:
    api = servers.start()
    job_id = _submit(api)
    _wait(api, job_id, lambda b: b.get("phase") == "write")
    api.kill()
    again = servers.start()
    body = _wait(again, job_id, lambda b: b["status"] in FINAL)
    assert body["status"] == "succeeded" and body["attempts"] == 2, body
    assert httpx.get(f"{again.url}{body['urls']['svg']}").status_code == 200  # type: ignore[index]
    store, files = servers.store()
    row = audit(
        store, files, [job_id], "API killed while writing a result",
        "connection refused while down; then succeeded, attempt 2",
    )  # fmt: skip
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row


def test_the_api_killed_during_a_cancel_ends_the_job_once(servers: Servers) -> None:
    api = servers.start()
    job_id = _submit(api)
    _wait(api, job_id, lambda b: b.get("phase") == "phase2")
    answers: list[str] = []

    def cancel() -> None:
        try:
            answers.append(str(httpx.post(f"{api.url}/api/v1/jobs/{job_id}/cancel").status_code))
        except httpx.HTTPError as exc:
            answers.append(type(exc).__name__)

    sender = threading.Thread(target=cancel)
    sender.start()
    time.sleep(0.05)
    api.kill()
    sender.join(10)
    again = servers.start()
    body = _wait(again, job_id, lambda b: b["status"] in FINAL)
    if answers == ["202"]:  # the cancel was answered: it must win
        assert body["status"] == "cancelled", body
    store, files = servers.store()
    saw = f"cancel answered {answers[0]}; after the restart the job is {body['status']}"
    row = audit(store, files, [job_id], "API killed during a cancel", saw)
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row


def test_the_database_locked_during_jobs_loses_none(servers: Servers) -> None:
    api = servers.start()
    ids = [_submit(api) for _ in range(2)]
    _wait(api, ids[0], lambda b: b.get("phase") == "phase1")
    lock = sqlite3.connect(servers.data_dir / "jobs.db", timeout=30)
    lock.execute("BEGIN EXCLUSIVE")  # every writer waits; readers too (WAL readers may go on)
    codes: list[str] = []
    started = time.monotonic()
    while time.monotonic() - started < 12:  # longer than the 10 s busy timeout
        try:
            codes.append(str(httpx.get(f"{api.url}/api/v1/jobs/{ids[0]}", timeout=15).status_code))
        except httpx.HTTPError as exc:
            codes.append(type(exc).__name__)
        time.sleep(0.5)
    lock.rollback()
    lock.close()
    ended = [_wait(api, job_id, lambda b: b["status"] in FINAL, timeout=90) for job_id in ids]
    assert all(body["status"] == "succeeded" for body in ended), ended
    assert _wait(api, ids[0], lambda b: True) and httpx.get(f"{api.url}/ready").status_code == 200
    store, files = servers.store()
    seen = sorted(set(codes))
    saw = f"job status reads during 12 s of lock: {seen}; then succeeded"
    row = audit(store, files, ids, "database locked for 12 s during jobs", saw)
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row


def test_two_apis_and_two_workers_on_one_store_one_api_killed(servers: Servers) -> None:
    first, second = servers.start(), servers.start()
    ids = [_submit(api) for api in (first, second) * 3]
    _wait(second, ids[0], lambda b: b["status"] == "running")
    time.sleep(0.3)
    first.kill()  # its worker and its jobs die with it; the other API's housekeeping takes over
    ended = [_wait(second, job_id, lambda b: b["status"] in FINAL, timeout=120) for job_id in ids]
    assert all(body["status"] == "succeeded" for body in ended), ended
    for body in ended:
        assert httpx.get(f"{second.url}{body['urls']['svg']}").status_code == 200  # type: ignore[index]
    attempts = sorted(int(body["attempts"]) for body in ended)  # type: ignore[call-overload]
    store, files = servers.store()
    saw = f"202 from both; one API gone; all succeeded (attempts {attempts})"
    row = audit(store, files, ids, "2 APIs + 2 workers on one store, 1 API killed", saw)
    assert (row.lost, row.twice, row.left_behind) == (0, 0, 0), row
