"""Stand-in runners for tests about the job machinery (not about the pipeline).

Each has the runner signature ``(task, ctx) -> Outcome`` and is importable by path, so worker
processes can load them too (``create_app(settings, runner="tests.service.fakes:quick")``).
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

from PIL import Image

from v2v import InputError, RunContext
from v2v.errors import BackendUnavailable, StageFailed, WeightsMissing
from v2v.service.jobs.messages import Outcome, Task

#: What the stand-in runners report: a failed check, so that a test can tell the service's
#: relay of the runner's QA from a hard-coded "passed".
STAND_IN_QA = {"passed": False, "failures": ["stand-in runner: nothing was checked"]}

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4" viewBox="0 0 4 4">'
    '<path d="M0 0H4V4H0Z" fill="#15181C"/></svg>'
)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (1, 1)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG_1PX = _png()


def _write(task: Task) -> list[str]:
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.svg").write_text(SVG, encoding="utf-8")
    (out / "preview.png").write_bytes(PNG_1PX)
    (out / "report.json").write_text(json.dumps({"qa": STAND_IN_QA}), encoding="utf-8")
    return ["result.svg", "preview.png", "report.json"]


def quick(task: Task, ctx: RunContext) -> Outcome:
    """Walks through the phases at once and writes a tiny SVG."""
    for phase in ("load", "phase1", "phase2", "phase3", "phase4"):
        with ctx.stage(phase):
            ctx.report(phase, 0.5, "working")
    return Outcome(_write(task), dict(ctx.timings), qa={**STAND_IN_QA, "params": task.params})


def slow(task: Task, ctx: RunContext) -> Outcome:
    """Cooperative: 40 short stages (0.1 s each); stops at the next stage once cancelled."""
    for step in range(40):
        with ctx.stage(f"phase{1 + step // 10}"):
            time.sleep(0.1)
    return Outcome(_write(task), dict(ctx.timings))


def medium(task: Task, ctx: RunContext) -> Outcome:
    """About one second in 10 stages."""
    for step in range(10):
        with ctx.stage(f"phase{1 + step // 3}"):
            time.sleep(0.1)
    return Outcome(_write(task), dict(ctx.timings))


def stubborn(task: Task, ctx: RunContext) -> Outcome:
    """Ignores cancellation for a minute: only killing its process stops it."""
    marker = Path(task.out_dir).parent / "stubborn.pid"
    marker.write_text(str(os.getpid()), encoding="utf-8")
    with ctx.stage("phase1"):
        time.sleep(60)
    return Outcome(_write(task), dict(ctx.timings))


def finishing(task: Task, ctx: RunContext) -> Outcome:
    """Renders its preview, then, past the last stage's cancel check, writes ``rendered`` beside
    ``out/`` and waits (up to 10 s) for a ``go`` file before writing its results: the window in
    which a cancel reaches no stage boundary any more."""
    for phase in ("load", "phase1", "phase2", "phase3", "phase4", "preview"):
        with ctx.stage(phase):
            ctx.report(phase, 0.5, "working")
    folder = Path(task.out_dir).parent
    (folder / "rendered").write_text("1", encoding="utf-8")
    deadline = time.monotonic() + 10
    while not (folder / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return Outcome(_write(task), dict(ctx.timings))


def bad_input(task: Task, ctx: RunContext) -> Outcome:
    raise InputError("the photo shows no vehicle; send a photo with one vehicle in it")


def crash(task: Task, ctx: RunContext) -> Outcome:
    raise RuntimeError("secret internal detail /etc/passwd")


def die(task: Task, ctx: RunContext) -> Outcome:
    """The worker process dies mid-job (like an out-of-memory kill)."""
    os._exit(3)


def stage_failed(task: Task, ctx: RunContext) -> Outcome:
    raise StageFailed("phase II failed: the flattening found no region in the vehicle")


def backend_unavailable(task: Task, ctx: RunContext) -> Outcome:
    raise BackendUnavailable("phase II's sdxl backend needs the gpu extra: pip install ...")


def weights_missing(task: Task, ctx: RunContext) -> Outcome:
    raise WeightsMissing("model 'sdxl' is missing from the model directory")


def loader_error(task: Task, ctx: RunContext) -> Outcome:
    """A model loader's error naming server paths and a directory listing."""
    raise WeightsMissing(
        "phase1.inpaint.file: cannot load /srv/v2v/models/lama/big-lama.pt; the folder "
        "/srv/v2v/models/lama holds: big-lama.pt, notes.txt"
    )
