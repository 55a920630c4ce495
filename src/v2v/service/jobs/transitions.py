"""Single-statement state changes of a job row, shared by the store and the Celery claims."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from v2v.service.db import JobRow, db_now, utcnow
from v2v.service.jobs.records import QUEUED, RUNNING


def ended(status: str, code: str, detail: str) -> dict[str, Any]:
    """Column values of a job that ends now with this status and reason."""
    return {
        "status": status,
        "error_code": code,
        "error_detail": detail,
        "finished_at": utcnow(),
        "message": detail[:500],
    }


def claim_queued(session: Session, job_id: str, worker: str) -> bool:
    """Move one job from ``queued`` to ``running`` for ``worker`` under a new lease token;
    False when it is not queued (another claimer won, or it was cancelled)."""
    now = utcnow()
    result = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.status == QUEUED)
        .values(
            status=RUNNING,
            worker=worker,
            attempts=JobRow.attempts + 1,
            lease=uuid.uuid4().hex,
            started_at=now,
            heartbeat_at=db_now(),
            updated_at=now,
            message="starting",
        )
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
