"""Runners for the distributed tests, importable by path from worker processes.

``by_name`` lets one pool of Celery workers serve every test: the upload's file name picks the
behaviour (``quick…``: no work; ``slow…``: a cancellable 4 s fake; ``medium…``: 1 s;
``stubborn…``: ignores cancel; ``staged…``: the fault suite's stages; anything else: the real
pipeline).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.chaos.runners import staged
from tests.service import fakes
from v2v import RunContext
from v2v.service.jobs.messages import Outcome, Task
from v2v.service.jobs.runner import run_task
from v2v.service.jobs.warmup import WARM_UP_ID


def briefly_stubborn(task: Task, ctx: RunContext) -> Outcome:
    """Ignores cancellation for 6 s, then finishes (as if a stage had no boundary)."""
    with ctx.stage("phase1"):
        time.sleep(6)
    return fakes.quick(task, ctx)


def by_name(task: Task, ctx: RunContext) -> Outcome:
    name = str(task.params.get("name") or "")
    if name.startswith("quick"):
        return fakes.quick(task, ctx)
    if name.startswith("slow"):
        return fakes.slow(task, ctx)
    if name.startswith("medium"):
        return fakes.medium(task, ctx)
    if name.startswith("stubborn"):
        return fakes.stubborn(task, ctx)
    if name.startswith("staged"):
        return staged(task, ctx)
    return run_task(task, ctx)


def gated_warm_up(task: Task, ctx: RunContext) -> Outcome:
    """Jobs finish at once; the warm-up waits until the file named by ``V2V_TEST_WARM_GATE``
    exists (a test holds a Celery worker warming as long as it likes)."""
    if task.job_id == WARM_UP_ID:
        gate = Path(os.environ["V2V_TEST_WARM_GATE"])
        deadline = time.monotonic() + 60
        while not gate.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return fakes.quick(task, ctx)
