"""Claiming one named job for a Celery worker, and taking over a job whose process died here.

A Celery message names a job. The worker that receives it claims exactly that job in the store
(``queued`` → ``running``), so a message delivered twice runs the job once: the second claim
finds it running or finished and does nothing.

When a worker's pool process is killed mid-job, Celery requeues the message at once
(``task_reject_on_worker_lost``). The job is still ``running`` in the store under the dead
process's name (``host:pid``); a worker on the same host sees the process is gone and takes the job
over at once. On another host it cannot tell, and the API's housekeeping re-queues the job once its
heartbeat is ``JOB_STALE_SECONDS`` old (and sends a new message).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import psutil

from v2v.service.jobs.store import QUEUED, RUNNING, JobRecord, JobStore
from v2v.service.jobs.transitions import claim_queued

HOST_CHARS = 80  # JobRow.worker holds 96 characters: host, ':' and a pid


def worker_name(pid: int | None = None) -> str:
    """``host:pid`` of this process (or of ``pid`` on this host)."""
    return f"{socket.gethostname()[:HOST_CHARS]}:{pid if pid is not None else os.getpid()}"


def claim(store: JobStore, job_id: str, worker: str) -> JobRecord | None:
    """Move the job from ``queued`` to ``running`` for ``worker``; None when it is not queued."""
    with store.db.session() as session:
        if not claim_queued(session, job_id, worker):
            return None
    return store.get(job_id)


def died_here(worker: str | None) -> bool:
    """True when ``worker`` names a process on this host that no longer exists."""
    if not worker:
        return False
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname()[:HOST_CHARS] or not pid.isdigit():
        return False
    return not psutil.pid_exists(int(pid))


@dataclass(frozen=True)
class Claim:
    """What a worker got for a message: the job to run, or why there is nothing to run.

    ``ended`` is set when taking over used up the job's attempts (it is now ``failed``).
    """

    job: JobRecord | None
    reason: str
    ended: str | None = None


def claim_or_take_over(store: JobStore, job_id: str, worker: str, max_attempts: int) -> Claim:
    """Claim the queued job, or take over a running one whose process died on this host."""
    job = claim(store, job_id, worker)
    if job is not None:
        return Claim(job, "claimed")
    current = store.get(job_id)
    if current is None:
        return Claim(None, "the job no longer exists")
    if current.status != RUNNING:
        return Claim(None, f"the job is {current.status}")
    if not died_here(current.worker):
        return Claim(None, f"the job is running on {current.worker}")
    reason = f"its worker process {current.worker} died"
    status = store.requeue(job_id, reason, max_attempts, lease=current.lease)
    if status != QUEUED:
        return Claim(None, reason, ended=status)
    job = claim(store, job_id, worker)
    return Claim(job, "taken over" if job else "another worker took it over")
