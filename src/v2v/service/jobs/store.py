"""The job store: every state change of a job goes through here, so the database is the queue.

Statuses: ``queued`` → ``running`` → ``succeeded`` | ``failed`` | ``cancelled``. A running job that
stops sending heartbeats (its process died) is re-queued (``stale`` then ``requeue``) until it
has used ``max_attempts``; then it fails with the reason. The writes of a run are fenced by the
lease its claim got (:mod:`v2v.service.jobs.leases`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from v2v.service.db import Database, JobRow, JobTallyRow, utcnow
from v2v.service.jobs.admission import QueueCaps, check_caps, lock_creation
from v2v.service.jobs.leases import LeasedWrites
from v2v.service.jobs.records import (
    CANCELLED,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    STATUSES,
    SUCCEEDED,
    JobRecord,
)
from v2v.service.jobs.transitions import claim_queued
from v2v.service.jobs.transitions import ended as _ended

__all__ = [
    "CANCELLED",
    "FAILED",
    "FINISHED",
    "QUEUED",
    "RUNNING",
    "STATUSES",
    "SUCCEEDED",
    "JobRecord",
    "JobStore",
]


class JobStore(LeasedWrites):
    """Create, claim, update, list and delete jobs. Thread-safe: one session per call."""

    def __init__(self, database: Database) -> None:
        self.db = database

    def create(
        self,
        kind: str,
        owner: str,
        correlation_id: str,
        params: dict[str, Any],
        priority: int = 0,
        job_id: str | None = None,
        caps: QueueCaps | None = None,
    ) -> JobRecord:
        """Queue a new job; with ``caps``, counted and inserted in one step (QueueFull when a
        cap is reached, see :mod:`admission`)."""
        now = utcnow()
        row = JobRow(
            id=job_id or uuid.uuid4().hex,
            kind=kind,
            status=QUEUED,
            priority=priority,
            owner=owner,
            correlation_id=correlation_id,
            params=params,
            created_at=now,
            updated_at=now,
            attempts=0,
            cancel_requested=False,
            message="queued",
            progress={},
            timings={},
            files=[],
        )
        with self.db.session() as session:
            if caps is not None and (caps.per_owner or caps.overall):
                lock_creation(session)
                check_caps(session, owner, caps)
            session.add(row)
            session.flush()
            return JobRecord.from_row(row)

    def get(self, job_id: str, owner: str | None = None) -> JobRecord | None:
        """The job, or None when it does not exist (or belongs to another owner)."""
        with self.db.session() as session:
            row = session.get(JobRow, job_id)
            if row is None or (owner is not None and row.owner != owner):
                return None
            return JobRecord.from_row(row)

    def list_jobs(
        self,
        status: str | None = None,
        owner: str | None = None,
        limit: int = 50,
        offset: int = 0,
        kind: str | None = None,
    ) -> tuple[list[JobRecord], int]:
        """Newest first; returns (page, total matching)."""
        query = select(JobRow)
        count = select(func.count()).select_from(JobRow)
        if kind is not None:
            query, count = query.where(JobRow.kind == kind), count.where(JobRow.kind == kind)
        if status is not None:
            query, count = (
                query.where(JobRow.status == status),
                count.where(JobRow.status == status),
            )
        if owner is not None:
            query, count = query.where(JobRow.owner == owner), count.where(JobRow.owner == owner)
        query = query.order_by(JobRow.created_at.desc(), JobRow.id).limit(limit).offset(offset)
        with self.db.session() as session:
            rows = session.scalars(query).all()
            return [JobRecord.from_row(r) for r in rows], int(session.scalar(count) or 0)

    def claim_next(self, worker: str) -> JobRecord | None:
        """Atomically move the oldest, highest-priority queued job to ``running``."""
        for _ in range(5):  # another claimer may win the race for a row; try the next one
            with self.db.session() as session:
                job_id = session.scalar(
                    select(JobRow.id)
                    .where(JobRow.status == QUEUED)
                    .order_by(JobRow.priority.desc(), JobRow.created_at, JobRow.id)
                    .limit(1)
                )
                if job_id is None:
                    return None
                if claim_queued(session, job_id, worker):
                    row = session.get(JobRow, job_id)
                    assert row is not None
                    session.refresh(row)
                    return JobRecord.from_row(row)
        return None

    def request_cancel(self, job_id: str) -> JobRecord | None:
        """Cancel a queued job now, or flag a running one for its worker. Returns the new state."""
        with self.db.session() as session:
            ended = _ended(CANCELLED, "cancelled", "cancelled before it started")
            self._update(session, job_id, (QUEUED,), **ended)
            self._update(session, job_id, (RUNNING,), cancel_requested=True, message="cancelling")
        return self.get(job_id)

    def finished_before(self, moment: datetime, limit: int = 500) -> list[str]:
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(JobRow.id)
                    .where(JobRow.status.in_(FINISHED), JobRow.finished_at < moment)
                    .limit(limit)
                ).all()
            )

    def delete(self, job_id: str) -> bool:
        """Remove the job's row; a finished job is added to the tallies (the counter)."""
        with self.db.session() as session:
            status = session.scalar(select(JobRow.status).where(JobRow.id == job_id))
            result = session.execute(delete(JobRow).where(JobRow.id == job_id))
            gone = bool(result.rowcount == 1)  # type: ignore[attr-defined]
            if gone and status in FINISHED:
                tally = update(JobTallyRow).where(JobTallyRow.status == status)
                if not session.execute(tally.values(deleted=JobTallyRow.deleted + 1)).rowcount:  # type: ignore[attr-defined]
                    session.add(JobTallyRow(status=status, deleted=1))
            return gone

    def finished_totals(self) -> dict[str, int]:
        """Jobs that ever ended, by final status: those in the store plus those deleted since."""
        with self.db.session() as session:
            present = session.execute(
                select(JobRow.status, func.count())
                .where(JobRow.status.in_(FINISHED))
                .group_by(JobRow.status)
            ).all()
            deleted = session.execute(select(JobTallyRow.status, JobTallyRow.deleted)).all()
        totals = dict.fromkeys(FINISHED, 0)
        for status, count in [*present, *deleted]:
            totals[str(status)] = totals.get(str(status), 0) + int(count)
        return totals

    def counts(self) -> dict[str, int]:
        """Number of jobs in each status (every status present, 0 when none)."""
        with self.db.session() as session:
            rows = session.execute(select(JobRow.status, func.count()).group_by(JobRow.status))
            found = {status: int(count) for status, count in rows}
        return {status: found.get(status, 0) for status in STATUSES}

    def cancel_requested(self, job_id: str) -> bool:
        with self.db.session() as session:
            return bool(session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))
