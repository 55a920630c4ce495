"""A training job inside a worker (local or Celery): unpack the pairs, train, write the card.

The HTTP routes (``service/routes/training.py``) only submit and read; the workers run this,
so a worker process never loads a FastAPI router.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from v2v import RunContext
from v2v.service.jobs.messages import Outcome, Task
from v2v.training import parse_params

STATUS_FILE = "training.json"
CARD = "card.json"


def run_training_task(task: Task, ctx: RunContext) -> Outcome:
    """Train on the job's pairs (an uploaded archive or a folder reference); writes
    ``training.json`` beside the job's files and ``out/card.json`` when done. Checkpoints live in
    the job folder, so a job re-queued after its worker died resumes from the newest one; they
    and the unpacked pairs are removed however the run ends."""
    from v2v import load_config
    from v2v.training import train_lora
    from v2v.training.bundle import StatusFile, unpack_pairs

    job_dir, source, out = Path(task.out_dir).parent, Path(task.input_path), Path(task.out_dir)
    params, config = parse_params(task.params.get("training")), load_config(task.pipeline_config)
    status = StatusFile(job_dir / STATUS_FILE)
    checkpoints = job_dir / "checkpoints"
    try:
        with tempfile.TemporaryDirectory(prefix="v2v-train-pairs-", dir=job_dir) as temp:
            if source.suffix == ".json":
                pairs = Path(json.loads(source.read_text(encoding="utf-8"))["folder"])
            else:
                pairs = unpack_pairs(source, Path(temp))
            result = train_lora(
                pairs,
                params,
                config,
                ctx=ctx,
                checkpoint_dir=checkpoints,
                resume=True,
                on_status=status,
                work_dir=job_dir,
                lora_id=task.params.get("lora_id"),  # chosen (and its owner recorded) when queued
                gallery_dir=out,  # the preprocessing gallery, there even when the run fails
            )
    finally:
        status.write()
        shutil.rmtree(checkpoints, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / CARD).write_text(json.dumps(result.card, indent=2), encoding="utf-8")
    seconds = float(result.card["duration_seconds"])
    gallery = sorted(p.name for p in out.glob("gallery*") if p.is_file())
    return Outcome(files=[CARD, *gallery], timings={"train": seconds}, qa=None)
