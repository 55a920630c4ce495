"""The writes of a job's run, fenced by its lease (the token its claim was given).

Every claim of a job (``queued`` → ``running``) stores a fresh random ``lease`` in the row. The run
that holds it names it in every later write: progress, heartbeats, the result, the failure. A run
that lost its job (re-queued after its heartbeats went stale, then claimed by another run) finds
its writes refused (they return False/None) and must not touch the job's files either: the
callers remove outputs only after their write was accepted.

Heartbeats are written with the database's clock and judged against it (``db_now``), so the
clocks of worker and API machines never matter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from v2v.service.db import Database, JobRow, db_now, utcnow
from v2v.service.jobs.records import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, JobRecord
from v2v.service.jobs.transitions import ended as _ended


class LeasedWrites:
    """The run-side state changes of :class:`~v2v.service.jobs.store.JobStore`."""

    db: Database

    def _update(
        self,
        session: Session,
        job_id: str,
        only_status: Sequence[str],
        lease: str | None = None,
        **values: Any,
    ) -> bool:
        values.setdefault("updated_at", utcnow())
        condition = [JobRow.id == job_id, JobRow.status.in_(only_status)]
        if lease is not None:
            condition.append(JobRow.lease == lease)
        result = session.execute(update(JobRow).where(*condition).values(**values))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def progress(
        self, job_id: str, lease: str, phase: str, progress: dict[str, float], message: str
    ) -> bool:
        """Record progress and a heartbeat. False when the run no longer holds the job."""
        with self.db.session() as session:
            return self._update(
                session,
                job_id,
                (RUNNING,),
                lease,
                phase=phase,
                progress=progress,
                message=message[:500],
                heartbeat_at=db_now(),
            )

    def heartbeat(self, job_id: str, lease: str) -> bool:
        """False when the run no longer holds the job (ended, deleted, re-queued elsewhere)."""
        with self.db.session() as session:
            return self._update(session, job_id, (RUNNING,), lease, heartbeat_at=db_now())

    def succeed(
        self,
        job_id: str,
        lease: str,
        files: list[str],
        timings: dict[str, float],
        qa: dict[str, Any] | None,
        progress: dict[str, float],
        publish: Callable[[], None] | None = None,
    ) -> str | None:
        """Record a running job's result. A job flagged for cancellation ends ``cancelled``
        instead: a cancel answered 202 always wins, even one that arrived during the last stage.
        ``publish`` (moving the run's files into the job's results) runs after the fenced
        update has matched and before it commits, holding the row: it happens exactly when the
        result is recorded under this lease (an error in it rolls the result back).

        Returns the new status (``succeeded`` or ``cancelled``), or None when this run no longer
        holds the job.
        """
        done: dict[str, Any] = {"status": SUCCEEDED, "files": files, "qa": qa, "phase": None}
        done |= {"progress": progress, "finished_at": utcnow(), "message": "done"}
        late = _ended(CANCELLED, "cancelled", "cancelled on request (as its last stage ended)")
        with self.db.session() as session:
            for values, flagged in ((done, False), (late, True)):
                hit = session.execute(
                    update(JobRow)
                    .where(
                        JobRow.id == job_id,
                        JobRow.status == RUNNING,
                        JobRow.lease == lease,
                        JobRow.cancel_requested == flagged,
                    )
                    .values(**values, timings=timings, updated_at=utcnow())
                ).rowcount  # type: ignore[attr-defined]
                if hit == 1:
                    if publish is not None and not flagged:
                        publish()
                    return str(values["status"])
        return None

    def fail(
        self,
        job_id: str,
        code: str,
        detail: str,
        status: str = FAILED,
        timings: dict[str, float] | None = None,
        lease: str | None = None,
    ) -> bool:
        """End a job as failed (or cancelled) with a reason. A run passes its ``lease`` (only its
        own running job ends); without one a queued or running job ends (operator actions)."""
        values = _ended(status, code, detail)
        if timings is not None:
            values["timings"] = timings
        only = (RUNNING,) if lease is not None else (QUEUED, RUNNING)
        with self.db.session() as session:
            return self._update(session, job_id, only, lease, **values)

    def requeue(
        self,
        job_id: str,
        reason: str,
        max_attempts: int,
        count_attempt: bool = True,
        lease: str | None = None,
        stale_seconds: float | None = None,
    ) -> str | None:
        """Put a running job back in the queue, or fail it when its attempts are used up (a job
        flagged for cancellation is cancelled instead). ``lease``: only while that claim holds
        it; ``stale_seconds``: only while its last heartbeat is at least that old.

        Returns the new status, or None when nothing changed.
        """
        with self.db.session() as session:
            row = session.get(JobRow, job_id)
            if row is None or row.status != RUNNING:
                return None
            attempts = row.attempts if count_attempt else max(0, row.attempts - 1)
            values: dict[str, Any]
            if row.cancel_requested:
                values = _ended(CANCELLED, "cancelled", f"cancelled ({reason})")
            elif attempts >= max_attempts:
                detail = f"{reason}; gave up after {attempts} attempt(s)"
                values = _ended(FAILED, "worker_lost", detail)
            else:
                values = {
                    "status": QUEUED,
                    "attempts": attempts,
                    "worker": None,
                    "lease": None,
                    "phase": None,
                    "progress": {},
                    "heartbeat_at": None,
                    "message": f"re-queued: {reason}"[:500],
                }
            condition = [JobRow.id == job_id, JobRow.status == RUNNING]
            condition.append(JobRow.lease == (lease if lease is not None else row.lease))
            if stale_seconds is not None:
                condition.append(JobRow.heartbeat_at < db_now(-stale_seconds))
            values.setdefault("updated_at", utcnow())
            hit = session.execute(update(JobRow).where(*condition).values(**values)).rowcount  # type: ignore[attr-defined]
            return str(values["status"]) if hit == 1 else None

    def stale(self, older_than_seconds: float) -> list[JobRecord]:
        """Running jobs whose last heartbeat is older than the given age (database clock)."""
        with self.db.session() as session:
            rows = session.scalars(
                select(JobRow).where(
                    JobRow.status == RUNNING,
                    JobRow.heartbeat_at < db_now(-older_than_seconds),
                )
            ).all()
            return [JobRecord.from_row(r) for r in rows]
