"""Queue caps checked and the job inserted in one transaction, so requests arriving together
cannot pass a cap (``MAX_QUEUED_PER_KEY``, ``MAX_QUEUED_JOBS``).

Creations that have caps to respect take a lock first, held until their transaction ends: on
PostgreSQL a transaction-level advisory lock, on SQLite the database's write lock (taken by a
write before the counts are read, so no second writer can slip in between). Creations are
serialised only among themselves and only for the few milliseconds of two counts and an insert.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from v2v.service.db import JobRow
from v2v.service.jobs.records import QUEUED, RUNNING

_ADVISORY_KEY = 0x76327621  # the PostgreSQL advisory lock of job creation ("v2v!")


@dataclass(frozen=True)
class QueueCaps:
    """``per_owner``: jobs of one owner queued or running; ``overall``: jobs queued in the whole
    service; 0 means no cap."""

    per_owner: int = 0
    overall: int = 0


class QueueFull(Exception):
    """A cap is reached; ``cap`` names it: ``per_owner`` or ``overall``."""

    def __init__(self, cap: str, limit: int) -> None:
        super().__init__(f"{cap} cap of {limit} reached")
        self.cap = cap
        self.limit = limit


def lock_creation(session: Session) -> None:
    """Hold job creation for the rest of this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_ADVISORY_KEY)))
    else:  # SQLite: an empty write takes the write lock (waiting up to its busy timeout)
        session.execute(update(JobRow).where(text("0")).values(status=JobRow.status))


def check_caps(session: Session, owner: str, caps: QueueCaps) -> None:
    """Raise QueueFull when one more job of ``owner`` would pass a cap (after lock_creation)."""
    if caps.per_owner:
        count = session.scalar(
            select(func.count())
            .select_from(JobRow)
            .where(JobRow.owner == owner, JobRow.status.in_((QUEUED, RUNNING)))
        )
        if int(count or 0) >= caps.per_owner:
            raise QueueFull("per_owner", caps.per_owner)
    if caps.overall:
        count = session.scalar(
            select(func.count()).select_from(JobRow).where(JobRow.status == QUEUED)
        )
        if int(count or 0) >= caps.overall:
            raise QueueFull("overall", caps.overall)
