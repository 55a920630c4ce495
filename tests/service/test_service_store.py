"""The job store survives restarts: stale running jobs are re-queued (bounded), old ones expire."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.service.conftest import wait_until_finished
from v2v.service import Settings
from v2v.service.db import Database, JobRow, utcnow
from v2v.service.jobs import files as files_module
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.maintenance import Maintenance
from v2v.service.jobs.store import FAILED, QUEUED, RUNNING, JobStore
from v2v.service.jobs.supervise import Loops
from v2v.service.jobs.transitions import claim_queued

Client = Callable[..., TestClient]


def _store(settings: Settings) -> tuple[JobStore, JobFiles]:
    database = Database(settings.resolved_database_url)
    database.create_tables()
    files = JobFiles(settings.data_dir)
    files.prepare()
    return JobStore(database), files


def _orphaned_running_job(settings: Settings, car_png: bytes, attempts: int) -> str:
    """What a killed server leaves behind: a running job whose heartbeat stopped long ago."""
    store, files = _store(settings)
    job = store.create("convert", "anonymous", "cid", {"overrides": {}})
    temp = files.temp_path()
    temp.write_bytes(car_png)
    files.store_input(job.id, temp, "png")
    assert store.claim_next("dead-instance:0") is not None
    old = utcnow() - timedelta(minutes=5)
    with store.db.session() as session:
        session.execute(
            update(JobRow).where(JobRow.id == job.id).values(heartbeat_at=old, attempts=attempts)
        )
    store.db.dispose()
    return job.id


def test_a_job_running_when_the_process_died_is_requeued_and_finishes(
    make_client: Client, make_settings: Callable[..., Settings], car_png: bytes
) -> None:
    settings = make_settings(job_stale_seconds=1)
    job_id = _orphaned_running_job(settings, car_png, attempts=1)
    client = make_client(settings=settings)
    done = wait_until_finished(client, job_id)
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert client.get(done["urls"]["svg"]).status_code == 200


def test_requeueing_is_bounded_then_the_job_fails_with_the_reason(
    make_client: Client, make_settings: Callable[..., Settings], car_png: bytes
) -> None:
    settings = make_settings(job_stale_seconds=1, job_max_attempts=3)
    job_id = _orphaned_running_job(settings, car_png, attempts=3)
    client = make_client(settings=settings)
    done = wait_until_finished(client, job_id)
    assert done["status"] == "failed" and done["error"]["code"] == "worker_lost"
    assert "stopped responding" in done["error"]["detail"]
    assert "gave up after 3 attempt(s)" in done["error"]["detail"]


def test_finished_jobs_expire_with_their_files(
    make_client: Client, make_settings: Callable[..., Settings], car_png: bytes
) -> None:
    settings = make_settings(retention_hours=1)
    store, files = _store(settings)
    old = store.create("convert", "anonymous", "cid", {})
    recent = store.create("convert", "anonymous", "cid", {})
    for job in (old, recent):
        files.out_dir(job.id).mkdir(parents=True)
        store.fail(job.id, "input_error", "no vehicle")
    with store.db.session() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == old.id)
            .values(finished_at=utcnow() - timedelta(hours=2))
        )
    store.db.dispose()
    client = make_client(settings=settings)
    assert client.get(f"/api/v1/jobs/{old.id}").status_code == 404
    assert not files.job_dir(old.id).exists()
    assert client.get(f"/api/v1/jobs/{recent.id}").status_code == 200
    assert files.job_dir(recent.id).exists()


def test_claims_take_priority_then_age_and_never_twice(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
    database.create_tables()
    store = JobStore(database)
    background = store.create("convert", "a", "c", {})
    waiting = store.create("convert", "a", "c", {}, priority=10)
    first, second = store.claim_next("w:0"), store.claim_next("w:1")
    assert first is not None and first.id == waiting.id and first.status == RUNNING
    assert second is not None and second.id == background.id and second.attempts == 1
    assert store.claim_next("w:2") is None
    assert store.requeue(first.id, "test", max_attempts=2) == QUEUED
    again = store.claim_next("w:0")
    assert again is not None and again.attempts == 2
    assert store.requeue(again.id, "test", max_attempts=2) == FAILED
    assert store.counts() == {
        "queued": 0,
        "running": 1,
        "succeeded": 0,
        "failed": 1,
        "cancelled": 0,
    }


def test_a_job_whose_machine_went_silent_is_requeued_within_ten_seconds_by_default(
    make_client: Client, make_settings: Callable[..., Settings], car_png: bytes
) -> None:
    """Another machine claimed the job, then stopped heartbeating (it died): with the default
    JOB_STALE_SECONDS the API's housekeeping re-queues it in under 10 s, and it runs here."""
    settings = make_settings(job_stale_seconds=Settings.model_fields["job_stale_seconds"].default)
    store, files = _store(settings)
    job = store.create("convert", "anonymous", "cid", {"overrides": {}})
    temp = files.temp_path()
    temp.write_bytes(car_png)
    files.store_input(job.id, temp, "png")
    with store.db.session() as session:
        claim_queued(session, job.id, "gpu-box-7:4242")  # heartbeat stamped now, then silence
    store.db.dispose()
    started = time.monotonic()
    client = make_client(settings=settings)
    while client.get(f"/api/v1/jobs/{job.id}").json()["attempts"] < 2:
        assert time.monotonic() - started < 10.0, "not re-queued within 10 s"
        time.sleep(0.05)
    assert wait_until_finished(client, job.id)["status"] == "succeeded"


def _finished_total(client: TestClient, status: str) -> float:
    line = f'v2v_jobs_finished_total{{status="{status}"}} '
    text = client.get("/metrics").text
    return float(next(row for row in text.splitlines() if row.startswith(line)).split()[-1])


def test_the_finished_jobs_counter_survives_restarts_and_deletions(
    make_client: Client, make_settings: Callable[..., Settings], car_png: bytes
) -> None:
    settings = make_settings()
    first = make_client(settings=settings)
    job_id = first.post("/api/v1/jobs", files={"file": ("car.png", car_png, "image/png")}).json()
    assert wait_until_finished(first, job_id["id"])["status"] == "succeeded"
    assert _finished_total(first, "succeeded") == 1
    first.__exit__(None, None, None)  # the API stops
    store, _ = _store(settings)  # a worker ends a job while the API is down
    ended = store.create("convert", "anonymous", "cid", {})
    store.fail(ended.id, "input_error", "no vehicle")
    assert store.delete(job_id["id"])  # and the first job expires
    store.db.dispose()
    second = make_client(settings=settings)
    assert _finished_total(second, "succeeded") == 1
    assert _finished_total(second, "failed") == 1


def test_retention_cleans_abandoned_work_and_never_a_queued_or_running_job(
    make_settings: Callable[..., Settings], car_png: bytes
) -> None:
    settings = make_settings(retention_hours=1)
    store, files = _store(settings)
    long_ago = utcnow() - timedelta(hours=3)
    stamp = time.time() - 3 * 3600

    def job_with_upload() -> str:
        job = store.create("convert", "anonymous", "cid", {})
        temp = files.temp_path()
        temp.write_bytes(car_png)
        os.utime(files.store_input(job.id, temp, "png"), (stamp, stamp))
        return job.id

    waiting, running = job_with_upload(), job_with_upload()
    assert store.claim_next("w:0") is not None  # the older one runs, with its own folder
    held = store.get(waiting)
    assert held is not None and held.status == RUNNING and held.lease
    waiting, running = running, waiting
    (files.run_dir(running, held.lease)).mkdir()
    cancelled, never_started = job_with_upload(), job_with_upload()
    store.request_cancel(cancelled)
    store.fail(never_started, "input_missing", "the upload is gone")
    with store.db.session() as session:  # everything happened three hours ago
        session.execute(
            update(JobRow).values(created_at=long_ago, updated_at=long_ago, finished_at=None)
        )
        session.execute(
            update(JobRow)
            .where(JobRow.id.in_([cancelled, never_started]))
            .values(finished_at=long_ago)
        )
    other_host = files.tmp_root / "elsewhere-4242"  # a dead process of another machine
    other_host.mkdir(parents=True)
    (other_host / "half-received").write_bytes(b"x" * 100)
    busy = files.tmp_root / "elsewhere-4243"  # receiving right now
    busy.mkdir()
    (busy / "arriving").write_bytes(b"x")
    mine = files.temp_path()
    mine.write_bytes(b"x")
    for path in (other_host / "half-received", other_host, mine):
        os.utime(path, (stamp, stamp))
    executor = SimpleNamespace(loops=Loops(), owns=lambda _: False, submit=lambda *_: None)
    sweep = Maintenance(store, files, executor, 6.0, 3, 1.0).sweep(orphans=True)  # type: ignore[arg-type]

    assert sorted(sweep.expired) == sorted([cancelled, never_started])
    assert sorted(sweep.uploads) == sorted(
        ["elsewhere-4242/half-received", str(mine.relative_to(files.tmp_root))]
    )
    assert not other_host.exists() and not mine.exists() and (busy / "arriving").exists()
    assert files.tmp.is_dir()  # this process's folder stays
    for job_id, status in ((waiting, QUEUED), (running, RUNNING)):
        job = store.get(job_id)
        assert job is not None and job.status == status
        assert files.input_path(job_id) is not None
    assert files.run_dir(running, held.lease).is_dir()
    assert store.get(cancelled) is None and not files.job_dir(cancelled).exists()
    assert store.get(never_started) is None and not files.job_dir(never_started).exists()


def test_a_sweep_on_another_host_spares_an_upload_folder_just_woken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server idle for hours receives an upload while another machine sweeps the shared
    ``tmp/``: the folder the upload is about to be written into must still be there."""
    files = JobFiles(tmp_path)
    files.prepare()
    stamp = time.time() - 3 * 3600
    os.utime(files.tmp, (stamp, stamp))  # no upload for three hours
    arriving = files.temp_path()
    monkeypatch.setattr(files_module, "_HOST", "elsewhere")  # the sweep runs on another machine
    files.remove_abandoned_uploads(3600)
    arriving.write_bytes(b"the upload")
    assert arriving.read_bytes() == b"the upload"
