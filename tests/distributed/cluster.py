"""An API (in this process, EXECUTOR=celery) and Celery worker processes on Redis and PostgreSQL.

The API and each worker have their own data directory; job files travel through a shared
``STORAGE_URL`` folder, as between machines.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.service.conftest import FAST, LOCAL, LOCAL_URL, photo_bytes, upload
from v2v.service import Settings, create_app, load_settings
from v2v.service.jobs.store import JobStore

ROOT = Path(__file__).resolve().parents[2]
RUNNER = "tests.distributed.runners:by_name"
FINAL = {"succeeded", "failed", "cancelled"}


def cluster_environment(redis_url: str, database_url: str, shared: Path) -> dict[str, str]:
    """The variables every machine of the cluster shares."""
    return {
        "EXECUTOR": "celery",
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url.rsplit("/", 1)[0] + "/1",
        "DATABASE_URL": database_url,
        "STORAGE_URL": f"file://{shared}",
        "JOB_STALE_SECONDS": "2",
        "CANCEL_GRACE_SECONDS": "2",
        "JOB_TIMEOUT": "120",
        "JOB_MAX_ATTEMPTS": "3",
    }


def api_settings(environment: dict[str, str], data_dir: Path) -> Settings:
    values: dict[str, Any] = {key.lower(): value for key, value in environment.items()}
    values.update(
        data_dir=data_dir,
        log_level="warning",
        api_rate_limit="",
        min_free_disk_mb=0,
        _env_file=None,
    )
    return load_settings(**values)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def children(self) -> set[int]:
        """Live pool processes of this worker (read from /proc; zombies left out)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
                except (OSError, ValueError):
                    continue
                if int(parent) == self.process.pid and state != "Z":
                    found.add(int(entry.name))
        return found

    def wait_for_new_child(self, old: int, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while not (fresh := self.children() - {old}):
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {self.name} started no process to replace {old}")
            time.sleep(0.1)
        return fresh.pop()

    def kill(self) -> None:
        """SIGKILL the worker and its pool: a machine that died."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def events(self, event: str) -> list[dict[str, Any]]:
        """The worker's JSON log lines with this event name."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("event") == event:
                    found.append(record)
        return found


def start_worker(
    name: str,
    environment: dict[str, str],
    data_dir: Path,
    logs: Path,
    runner: str = RUNNER,
    *more: str,
) -> Worker:
    env = {**os.environ, **environment, "DATA_DIR": str(data_dir), "LOG_FORMAT": "json"}
    env["LOG_LEVEL"] = "info"
    log = logs / f"worker-{name}.log"
    command = [sys.executable, "-m", "v2v.service.jobs.celery_worker", "--device", "cpu"]
    command += ["--concurrency", "1", "--name", f"{name}@v2v-test", "--runner", runner, *more]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes the pool with it
        )
    return Worker(name, process, log)


@dataclass
class Cluster:
    client: TestClient
    workers: dict[str, Worker]
    settings: Settings
    store: JobStore
    photo: bytes = field(default_factory=lambda: photo_bytes(240, 150))

    def submit(self, name: str, overrides: dict[str, Any] | None = None) -> str:
        response = self.client.post(
            "/api/v1/jobs",
            files=upload(self.photo, f"{name}.png"),
            data={"overrides": json.dumps(overrides if overrides is not None else FAST)},
        )
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def job(self, job_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.client.get(f"/api/v1/jobs/{job_id}").json()
        return body

    def wait(self, job_id: str, statuses: set[str], timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (body := self.job(job_id))["status"] not in statuses:
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} still {body['status']} after {timeout} s")
            time.sleep(0.1)
        return body

    def wait_ready(self, workers: int, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            response = self.client.get("/ready")
            body: dict[str, Any] = response.json()
            if response.status_code == 200 and f"{workers} Celery worker" in str(body):
                return body
            if time.monotonic() > deadline:
                logs = {
                    n: w.log.read_text(errors="replace")[-2000:] for n, w in self.workers.items()
                }
                raise AssertionError(f"not ready with {workers} workers: {body}; logs: {logs}")
            time.sleep(0.2)


def open_cluster(environment: dict[str, str], folder: Path, names: list[str]) -> Cluster:
    folder.mkdir(parents=True, exist_ok=True)
    workers = {n: start_worker(n, environment, folder / f"worker-{n}", folder) for n in names}
    app = create_app(api_settings(environment, folder / "api"))
    client = TestClient(app, client=LOCAL, base_url=LOCAL_URL)
    client.__enter__()
    services = app.state.services
    return Cluster(client, workers, services.settings, services.store)


def close_cluster(cluster: Cluster) -> None:
    for worker in cluster.workers.values():
        worker.stop()
    cluster.client.__exit__(None, None, None)
