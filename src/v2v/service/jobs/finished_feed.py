"""Finished-job metrics for jobs that other processes ended (``EXECUTOR=celery``).

Remote workers write a job's end straight to the store, so the API's executor never sees it end.
:class:`FinishedFeed` looks at the store every few seconds (on the executor's thread) and hands
every job that reached a final state since its last look to the executor's ``FinishedHook``
(:meth:`v2v.service.metrics.ServiceMetrics.job_finished`) exactly once per API process.

A look reaches back ``lookback_seconds`` before the previous one (remembering the ids it has
handed on), so a worker clock a little behind the API's, a slow commit or a database that was
away for a while lose no job. Jobs that ended before the feed started are not counted (their
counters died with the previous process). The GPU peak is not stored with a job, so it is not
reported for remote jobs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from v2v.service.db import JobRow, utcnow
from v2v.service.jobs.executor import FinishedHook
from v2v.service.jobs.records import FINISHED
from v2v.service.jobs.store import JobStore

_BATCH = 2000  # rows read per look at most; the rest come with the next look


class FinishedFeed:
    """Hands jobs that ended since the last :meth:`poll` to ``hook``, each once."""

    def __init__(
        self,
        store: JobStore,
        hook: FinishedHook,
        lookback_seconds: float = 60.0,
        since: datetime | None = None,
    ) -> None:
        self.store = store
        self.hook = hook
        self.lookback = timedelta(seconds=lookback_seconds)
        self.since = since if since is not None else utcnow()
        self.last_look = self.since
        self.cursor: datetime | None = None  # where to go on after a look that read a full batch
        self.seen: dict[str, datetime] = {}  # id -> finished_at of jobs already handed on

    def poll(self) -> int:
        """One look at the store; returns how many jobs were handed to the hook.

        Raises the database's errors (the caller retries at its next tick; nothing is lost).
        """
        now = utcnow()
        floor = self.cursor or max(self.since, self.last_look - self.lookback)
        query = (
            select(JobRow.id, JobRow.status, JobRow.finished_at, JobRow.timings, JobRow.error_code)
            .where(JobRow.status.in_(FINISHED), JobRow.finished_at >= floor)
            .order_by(JobRow.finished_at, JobRow.id)
            .limit(_BATCH)
        )
        with self.store.db.session() as session:
            rows = session.execute(query).all()
        handed = 0
        for row in rows:
            if row.id in self.seen or row.finished_at is None:
                continue
            self.seen[row.id] = row.finished_at
            self.hook(row.id, row.status, dict(row.timings or {}), row.error_code, None)
            handed += 1
        if len(rows) == _BATCH:  # more to read: go on from the last one read
            self.cursor = rows[-1].finished_at
        else:
            self.cursor, self.last_look = None, now
            keep_from = max(self.since, now - self.lookback)
            self.seen = {job: moment for job, moment in self.seen.items() if moment >= keep_from}
        return handed
