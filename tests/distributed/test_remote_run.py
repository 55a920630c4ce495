"""A job run inside a worker process: result, cancel, timeout, a stage that ignores its cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.distributed import runners
from tests.service import fakes
from v2v import RunContext
from v2v.service.db import Database
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.messages import Outcome, Task
from v2v.service.jobs.remote_run import SKIPPED, JobRun, Runner, RunOptions
from v2v.service.jobs.store import CANCELLED, FAILED, SUCCEEDED, JobStore
from v2v.service.storage import RemoteJobFiles


class Setup:
    def __init__(self, tmp_path: Path) -> None:
        self.database = Database(f"sqlite:///{tmp_path / 'jobs.db'}")
        self.database.create_tables()
        self.store = JobStore(self.database)
        self.shared = tmp_path / "shared"
        self.api: JobFiles = RemoteJobFiles(tmp_path / "api", f"file://{self.shared}")
        self.worker: JobFiles = RemoteJobFiles(tmp_path / "worker", f"file://{self.shared}")
        self.api.prepare()
        self.stuck: list[float] = []

    def job(self) -> str:
        job = self.store.create("convert", "owner", "cid", {"name": "car"})
        temp = self.api.temp_path()
        temp.write_bytes(fakes.PNG_1PX)
        self.api.store_input(job.id, temp, "png")
        return job.id

    def run(self, runner: Runner, **options: float) -> JobRun:
        limits = RunOptions(heartbeat_seconds=0.2, cancel_grace_seconds=1.0).__dict__ | options
        return JobRun(
            self.store,
            self.worker,
            RunOptions(**limits),
            runner,
            lambda: self.stuck.append(time.monotonic()),
        )


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    built = Setup(tmp_path)
    yield built
    built.database.dispose()


def _cancel_later(store: JobStore, job_id: str, delay: float) -> threading.Thread:
    def cancel() -> None:
        time.sleep(delay)
        store.request_cancel(job_id)

    thread = threading.Thread(target=cancel)
    thread.start()
    return thread


def test_a_run_publishes_its_results_and_a_second_delivery_is_skipped(setup: Setup) -> None:
    job_id = setup.job()
    run = setup.run(fakes.quick)
    assert run(job_id) == SUCCEEDED
    job = setup.store.get(job_id)
    assert job is not None and job.status == SUCCEEDED and "result.svg" in job.files
    assert job.progress and all(value == 1.0 for value in job.progress.values())
    assert setup.api.download(job_id, "result.svg", job.files) is not None
    assert not (setup.shared / "jobs" / job_id / "input.png").exists()
    assert not setup.worker.job_dir(job_id).exists()  # the worker keeps no copies
    assert run(job_id) == SKIPPED
    assert setup.store.get(job_id).attempts == 1  # type: ignore[union-attr]


def test_a_cancel_after_the_last_stage_discards_the_published_result(setup: Setup) -> None:
    job_id = setup.job()

    def cancelled_while_finishing(task: Task, ctx: RunContext) -> Outcome:
        outcome = fakes.quick(task, ctx)  # every stage boundary passed
        setup.store.request_cancel(task.job_id)
        return outcome

    assert setup.run(cancelled_while_finishing)(job_id) == CANCELLED
    job = setup.store.get(job_id)
    assert job is not None and job.status == CANCELLED and job.files == []
    assert not (setup.shared / "jobs" / job_id / "out").exists()
    assert not (setup.shared / "jobs" / job_id / "input.png").exists()


def test_cancel_reaches_the_running_pipeline_at_its_next_stage(setup: Setup) -> None:
    job_id = setup.job()
    started = time.monotonic()
    canceller = _cancel_later(setup.store, job_id, 0.5)
    assert setup.run(fakes.slow)(job_id) == CANCELLED  # slow alone would take 4 s
    canceller.join()
    assert time.monotonic() - started < 3.0
    job = setup.store.get(job_id)
    assert job is not None and job.error_code == "cancelled" and job.files == []
    assert not (setup.shared / "jobs" / job_id / "out").exists()
    assert setup.stuck == []


def test_a_job_past_its_timeout_fails_with_code_timeout(setup: Setup) -> None:
    job_id = setup.job()
    assert setup.run(fakes.slow, job_timeout=0.5)(job_id) == FAILED
    job = setup.store.get(job_id)
    assert job is not None and job.error_code == "timeout"
    assert "JOB_TIMEOUT" in str(job.error_detail)


def test_a_stage_that_ignores_cancel_is_ended_after_the_grace_period(setup: Setup) -> None:
    job_id = setup.job()
    canceller = _cancel_later(setup.store, job_id, 0.3)
    started = time.monotonic()
    assert setup.run(runners.briefly_stubborn, cancel_grace_seconds=0.5)(job_id) == CANCELLED
    canceller.join()
    assert len(setup.stuck) == 1 and setup.stuck[0] - started < 4.0  # before the stage ended
    job = setup.store.get(job_id)
    assert job is not None and job.status == CANCELLED and job.files == []


@pytest.mark.parametrize(
    ("runner", "code"),
    [(fakes.bad_input, "input_error"), (fakes.crash, "internal_error")],
)
def test_failures_are_recorded_with_their_code_and_no_internals(
    setup: Setup, runner: Callable[..., object], code: str
) -> None:
    job_id = setup.job()
    assert setup.run(runner)(job_id) == FAILED  # type: ignore[arg-type]
    job = setup.store.get(job_id)
    assert job is not None and job.error_code == code
    assert "/etc/passwd" not in str(job.error_detail)


def test_a_job_without_its_upload_fails_with_input_missing(setup: Setup) -> None:
    job_id = setup.job()
    setup.api.remove_input(job_id)
    assert setup.run(fakes.quick)(job_id) == FAILED
    assert setup.store.get(job_id).error_code == "input_missing"  # type: ignore[union-attr]


LOSING = threading.Event()
RESUME = threading.Event()


def loses_its_lease(task: Task, ctx: RunContext) -> Outcome:
    """Writes a result, waits while the test hands its job to another run, writes it again."""
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.svg").write_text("<svg>from the run that lost its lease</svg>")
    LOSING.set()
    assert RESUME.wait(30)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.svg").write_text("<svg>from the run that lost its lease, later</svg>")
    return Outcome(["result.svg"], {})


@pytest.mark.parametrize("storage", ["object storage", "shared folder"])
def test_a_run_that_lost_its_lease_writes_nothing_into_the_jobs_results(
    setup: Setup, storage: str, tmp_path: Path
) -> None:
    if storage == "shared folder":  # the local executor's and one host's layout
        setup.worker = setup.api = JobFiles(tmp_path / "data")
        setup.api.prepare()
    LOSING.clear()
    RESUME.clear()
    job_id = setup.job()
    # heartbeats far apart: the run does not learn it lost the job before it ends
    lagging = setup.run(loses_its_lease, heartbeat_seconds=60)
    ended: list[str] = []
    thread = threading.Thread(target=lambda: ended.append(lagging(job_id)))
    thread.start()
    try:
        assert LOSING.wait(30)
        first = setup.store.get(job_id)
        assert first is not None and first.lease
        assert setup.store.requeue(job_id, "stale", 3, lease=first.lease) == "queued"
        assert setup.run(fakes.quick)(job_id) == SUCCEEDED  # the new holder's result
    finally:
        RESUME.set()
        thread.join(30)
    assert ended == [SKIPPED]
    job = setup.store.get(job_id)
    assert job is not None and job.status == SUCCEEDED and job.attempts == 2
    result = setup.api.download(job_id, "result.svg", job.files)
    assert result is not None and result.read_text() == fakes.SVG
    for folder in {setup.api.job_dir(job_id), setup.worker.job_dir(job_id)}:
        assert not list(folder.glob("run-*")) if folder.is_dir() else True


def test_the_uploads_happen_before_the_result_is_recorded_not_while_the_row_is_held(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploading to the object store inside the result's transaction held SQLite's write lock
    (and the job's row on PostgreSQL) for as long as the uploads took: every other job's
    creation waited, and past the busy timeout failed with "database is locked"."""
    from v2v.service.jobs.admission import QueueCaps

    job_id = setup.job()
    created: list[str] = []
    real_put = RemoteJobFiles._put

    def put_and_create(self: RemoteJobFiles, local: Path, remote: str) -> None:
        if "/input." not in remote:  # a result upload: another client creates a job meanwhile
            created.append(setup.store.create("convert", "other", "c", {}, caps=QueueCaps(5, 9)).id)
        real_put(self, local, remote)

    monkeypatch.setattr(RemoteJobFiles, "_put", put_and_create)
    assert setup.run(fakes.quick)(job_id) == SUCCEEDED
    assert created  # the uploads ran, and the creations beside them did not wait on a lock
    assert sorted(p.name for p in (setup.shared / "jobs" / job_id / "out").iterdir())
    assert not list((setup.shared / "jobs" / job_id).glob("run-*"))  # moved into out/
