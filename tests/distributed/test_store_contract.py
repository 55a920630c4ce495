"""The job store behaves the same on SQLite and PostgreSQL, including under concurrent claims."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from v2v.service.db import Database, JobRow, utcnow
from v2v.service.jobs.admission import QueueCaps, QueueFull
from v2v.service.jobs.claims import claim, claim_or_take_over, died_here, worker_name
from v2v.service.jobs.store import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, JobStore


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    database = Database(database_url)
    database.create_tables()
    yield JobStore(database)
    database.dispose()


def test_claims_take_priority_then_age_and_requeues_are_bounded(store: JobStore) -> None:
    background = store.create("convert", "a", "c", {})
    urgent = store.create("convert", "a", "c", {}, priority=10)
    first, second = store.claim_next("w:0"), store.claim_next("w:1")
    assert first is not None and first.id == urgent.id and first.status == RUNNING
    assert second is not None and second.id == background.id and second.attempts == 1
    assert store.claim_next("w:2") is None
    assert store.requeue(first.id, "test", max_attempts=2) == QUEUED
    again = store.claim_next("w:0")
    assert again is not None and again.attempts == 2
    assert store.requeue(again.id, "test", max_attempts=2) == FAILED
    counts = store.counts()
    assert counts["running"] == 1 and counts["failed"] == 1 and counts["queued"] == 0


def test_concurrent_claimers_never_get_the_same_job(store: JobStore) -> None:
    created = {store.create("convert", "a", "c", {}).id for _ in range(24)}
    claimed: list[str] = []
    lock = threading.Lock()

    def claimer(index: int) -> None:
        while (job := store.claim_next(f"w:{index}")) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(claimed) == sorted(created)  # each exactly once, none left


def test_concurrent_creations_never_pass_a_queue_cap(store: JobStore) -> None:
    """16 creations at once against caps of 5 per owner and 7 overall: exactly the caps get in."""
    start = threading.Barrier(16)
    outcomes: list[str] = []
    lock = threading.Lock()

    def create(owner: str) -> None:
        start.wait()
        try:
            store.create("convert", owner, "c", {}, caps=QueueCaps(per_owner=5, overall=7))
            outcome = f"created {owner}"
        except QueueFull as exc:
            outcome = exc.cap
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=create, args=("ab"[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 16, outcomes  # no database error on any of them
    counts = {owner: store.list_jobs(owner=owner)[1] for owner in "ab"}
    assert sum(counts.values()) == 7 and max(counts.values()) <= 5, (counts, outcomes)
    assert outcomes.count("created a") == counts["a"] and outcomes.count("created b") == counts["b"]


def test_a_named_claim_runs_a_message_delivered_twice_once(store: JobStore) -> None:
    job = store.create("convert", "a", "c", {})
    first = claim(store, job.id, "host:1")
    assert first is not None and first.status == RUNNING and first.worker == "host:1"
    assert first.lease
    assert claim(store, job.id, "host:2") is None
    assert store.succeed(job.id, first.lease, ["result.svg"], {"total": 1.0}, None, {})
    assert claim(store, job.id, "host:3") is None
    assert store.get(job.id).attempts == 1  # type: ignore[union-attr]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_whose_process_died_on_this_host_is_taken_over_at_once(store: JobStore) -> None:
    job = store.create("convert", "a", "c", {})
    dead = worker_name(_dead_pid())
    assert claim(store, job.id, dead) is not None
    assert died_here(dead) and not died_here(worker_name()) and not died_here("elsewhere:1")
    got = claim_or_take_over(store, job.id, worker_name(), max_attempts=3)
    assert got.job is not None and got.reason == "taken over" and got.job.attempts == 2
    # a live owner (this process) keeps its job
    again = claim_or_take_over(store, job.id, "other-host:7", max_attempts=3)
    assert again.job is None and "running on" in again.reason


def test_taking_over_stops_after_the_last_attempt(store: JobStore) -> None:
    job = store.create("convert", "a", "c", {})
    assert claim(store, job.id, worker_name(_dead_pid())) is not None
    got = claim_or_take_over(store, job.id, worker_name(), max_attempts=1)
    assert got.job is None and got.ended == FAILED
    ended = store.get(job.id)
    assert ended is not None and ended.error_code == "worker_lost"


def test_cancel_ends_a_queued_job_now_and_flags_a_running_one(store: JobStore) -> None:
    queued = store.create("convert", "a", "c", {})
    running = store.create("convert", "a", "c", {})
    assert claim(store, running.id, "w:1") is not None
    assert store.request_cancel(queued.id).status == CANCELLED  # type: ignore[union-attr]
    flagged = store.request_cancel(running.id)
    assert flagged is not None and flagged.status == RUNNING and flagged.cancel_requested
    assert store.cancel_requested(running.id)
    assert claim(store, queued.id, "w:2") is None


def test_stale_heartbeats_expiry_listing_and_deletion(store: JobStore) -> None:
    fresh, stale = (store.create("convert", "owner", "c", {}) for _ in range(2))
    for job in (fresh, stale):
        claim(store, job.id, "w:1")
    with store.db.session() as session:
        session.execute(
            update(JobRow)
            .where(JobRow.id == stale.id)
            .values(heartbeat_at=utcnow() - timedelta(minutes=5))
        )
    assert [job.id for job in store.stale(60)] == [stale.id]
    assert store.fail(stale.id, "timeout", "too slow")
    assert store.finished_before(utcnow() + timedelta(seconds=1)) == [stale.id]
    page, total = store.list_jobs(owner="owner", limit=1)
    assert total == 2 and len(page) == 1
    assert store.delete(stale.id) and store.get(stale.id) is None


def test_a_result_that_arrives_after_a_cancel_request_ends_cancelled(store: JobStore) -> None:
    flagged, plain = store.create("convert", "a", "c", {}), store.create("convert", "a", "c", {})
    first, second = claim(store, flagged.id, "host:1"), claim(store, plain.id, "host:1")
    assert first is not None and first.lease and second is not None and second.lease
    assert store.request_cancel(flagged.id).status == RUNNING  # type: ignore[union-attr]
    assert store.succeed(flagged.id, first.lease, ["result.svg"], {"phase4": 1.0}, None, {}) == (
        CANCELLED
    )
    job = store.get(flagged.id)
    assert job is not None and job.status == CANCELLED and job.files == []
    assert job.error_code == "cancelled" and job.timings == {"phase4": 1.0}
    assert store.succeed(plain.id, second.lease, ["result.svg"], {}, None, {}) == SUCCEEDED
    assert store.succeed(plain.id, second.lease, ["result.svg"], {}, None, {}) is None  # ended


def test_a_run_that_lost_its_lease_can_no_longer_write(store: JobStore) -> None:
    """After a re-queue and a new claim, the old run's heartbeat, progress, result, failure and
    re-queue are all refused; the new run's go through."""
    job = store.create("convert", "a", "c", {})
    old = claim(store, job.id, "host:1")
    assert old is not None and old.lease
    assert store.heartbeat(job.id, old.lease)
    assert store.requeue(job.id, "its worker stopped responding", max_attempts=3) == QUEUED
    new = claim(store, job.id, "host:2")
    assert new is not None and new.lease and new.lease != old.lease
    assert not store.heartbeat(job.id, old.lease)
    assert not store.progress(job.id, old.lease, "phase1", {"phase1": 0.5}, "late")
    assert store.succeed(job.id, old.lease, ["result.svg"], {}, None, {}) is None
    assert not store.fail(job.id, "internal_error", "late failure", lease=old.lease)
    assert store.requeue(job.id, "late", max_attempts=3, lease=old.lease) is None
    current = store.get(job.id)
    assert current is not None and current.status == RUNNING and current.worker == "host:2"
    assert store.progress(job.id, new.lease, "phase1", {"phase1": 0.5}, "working")
    assert store.succeed(job.id, new.lease, ["result.svg"], {}, None, {}) == SUCCEEDED


def test_staleness_is_judged_by_the_database_clock(store: JobStore) -> None:
    """A heartbeat is stamped by the database, so a worker whose clock is an hour off neither
    looks dead nor alive for it; a job beating now is never re-queued as stale."""
    job = store.create("convert", "a", "c", {})
    run = claim(store, job.id, "host:1")
    assert run is not None and run.lease
    skewed = utcnow() - timedelta(hours=1)  # what a worker with a slow clock would have written
    with store.db.session() as session:
        session.execute(update(JobRow).where(JobRow.id == job.id).values(heartbeat_at=skewed))
    assert [j.id for j in store.stale(60)] == [job.id]
    assert store.heartbeat(job.id, run.lease)  # the database's now, whatever this clock says
    assert store.stale(60) == [] and store.stale(0.5) == []
    assert store.requeue(job.id, "stale", 3, lease=run.lease, stale_seconds=60) is None
    time.sleep(1.1)
    assert [j.id for j in store.stale(1)] == [job.id]
    assert store.requeue(job.id, "stale", 3, lease=run.lease, stale_seconds=1) == QUEUED
