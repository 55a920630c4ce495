"""A stand-in pipeline runner for the browser tests about jobs (not about conversion quality)."""

from __future__ import annotations

import time
from pathlib import Path

from v2v import RunContext
from v2v.service.jobs.messages import Outcome, Task

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8" viewBox="0 0 8 8">'
    '<g id="layer-15181C" fill="#15181C"><path d="M0 0H8V8H0Z"/></g></svg>'
)


def slow(task: Task, ctx: RunContext) -> Outcome:
    """Walks through the phases for about a minute, stopping at once when cancelled."""
    for phase in ("load", "phase1", "phase2", "phase3", "phase4"):
        with ctx.stage(phase):
            for step in range(120):
                ctx.check_cancelled()
                ctx.report(phase, step / 120, f"{phase}: step {step + 1} of 120")
                time.sleep(0.1)
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.svg").write_text(SVG, encoding="utf-8")
    (out / "report.json").write_text('{"qa": {"passed": true}}', encoding="utf-8")
    return Outcome(["result.svg", "report.json"], dict(ctx.timings))
