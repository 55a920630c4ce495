"""Stand-in pipelines for the fault-injection suite (importable by path from worker processes).

``staged`` walks through load, phase1…phase4 and a ``write`` stage (results written one file at a
time), ``STEP`` seconds each, and appends the job id to ``<DATA_DIR>/runs.log`` when a run has
completed, so a test can count how often each job ran to the end. ``disk_full`` writes a partial
result, then fails the way a full disk does (ENOSPC).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from tests.service import fakes
from v2v import RunContext
from v2v.service.jobs.messages import Outcome, Task

STAGES = ("load", "phase1", "phase2", "phase3", "phase4", "write")
STEP = float(os.environ.get("V2V_CHAOS_STEP", "0.6"))


def runs_log(task: Task) -> Path:
    """``V2V_CHAOS_RUNS`` (workers on several machines share one), else DATA_DIR/runs.log (the
    output folder is DATA_DIR/jobs/<id>/out)."""
    shared = os.environ.get("V2V_CHAOS_RUNS")
    return Path(shared) if shared else Path(task.out_dir).parents[2] / "runs.log"


def staged(task: Task, ctx: RunContext) -> Outcome:
    for phase in STAGES[:-1]:
        with ctx.stage(phase):
            ctx.report(phase, 0.0, "working")
            time.sleep(STEP)
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with ctx.stage("write"):
        ctx.report("write", 0.0, "writing the results")
        (out / "result.svg").write_text(fakes.SVG[: len(fakes.SVG) // 2], encoding="utf-8")
        time.sleep(STEP)
        names = fakes._write(task)  # the stand-in results of the service tests
    with runs_log(task).open("a", encoding="utf-8") as log:
        log.write(f"{task.job_id}\n")
    return Outcome(names, dict(ctx.timings), qa=dict(fakes.STAND_IN_QA))


def disk_full(task: Task, ctx: RunContext) -> Outcome:
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with ctx.stage("write"):
        (out / "result.svg").write_text(fakes.SVG[:20], encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "result.svg"))
