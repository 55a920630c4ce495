"""The operator's trial of ``make cluster``: 8 jobs through 2 workers, one worker killed.

Against a cluster started with ``make cluster`` (``python -m v2v.service.cluster up``)::

    python benchmarks/cluster_trial.py --url http://127.0.0.1:8000 --jobs 8

submits the jobs (real conversions, work size 256), waits until the first worker runs one, kills
that worker's whole process group with SIGKILL (as ``kill -9`` of a machine would), and prints
how long the jobs it was running took to be re-queued, how every job ended, how many attempts
each used and whether its SVG downloads.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

FAST = {"input.work_long_side": 256, "qa.check_text": False, "output.preview_long_side": 256}


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return dict(json.loads(answer.read()))


def _submit(base: str, photo: Path) -> str:
    boundary = uuid.uuid4().hex
    kind = photo.suffix.lstrip(".").replace("jpg", "jpeg")
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="overrides"\r\n\r\n'
        f"{json.dumps(FAST)}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{photo.name}"'
        f"\r\nContent-Type: image/{kind}\r\n\r\n".encode()
        + photo.read_bytes()
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    request = urllib.request.Request(
        f"{base}/api/v1/jobs",
        data=b"".join(parts),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["id"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--photo", type=Path, default=Path("examples/motorcycle.png"))
    parser.add_argument("--state", type=Path, default=Path("data/cluster/cluster.json"))
    args = parser.parse_args()
    base = args.url.rstrip("/")
    worker_group = int(json.loads(args.state.read_text())["processes"][1])  # worker-1
    ids = [_submit(base, args.photo) for _ in range(args.jobs)]
    while sum(_get(f"{base}/api/v1/jobs/{i}")["status"] == "running" for i in ids) < 2:
        time.sleep(0.05)
    running = [i for i in ids if _get(f"{base}/api/v1/jobs/{i}")["status"] == "running"]
    os.killpg(worker_group, signal.SIGKILL)
    killed = time.monotonic()
    requeued: dict[str, float] = {}
    ended: dict[str, dict[str, Any]] = {}
    while len(ended) < len(ids):
        for job_id in ids:
            if job_id in ended:
                continue
            body = _get(f"{base}/api/v1/jobs/{job_id}")
            back = body["attempts"] > 1 or (job_id in running and body["status"] == "queued")
            if job_id in running and back and job_id not in requeued:
                requeued[job_id] = time.monotonic() - killed
            if body["status"] in ("succeeded", "failed", "cancelled"):
                ended[job_id] = body
        if time.monotonic() - killed > 600:
            sys.stdout.write("timed out waiting for the jobs\n")
            return 1
        time.sleep(0.05)
    sys.stdout.write(f"{len(ids)} jobs, worker-1 (pid group {worker_group}) killed with SIGKILL\n")
    for job_id, seconds in requeued.items():
        sys.stdout.write(f"  job {job_id[:8]}: re-queued {seconds:.2f} s after the kill\n")
    for job_id in ids:
        body = ended[job_id]
        svg = body["urls"]["svg"] if body.get("urls") else None
        size = len(urllib.request.urlopen(base + svg, timeout=10).read()) if svg else 0
        sys.stdout.write(
            f"  job {job_id[:8]}: {body['status']}, attempts {body['attempts']}, SVG {size} bytes\n"
        )
    ok = all(body["status"] == "succeeded" for body in ended.values())
    sys.stdout.write(f"every job ended exactly once, succeeded: {ok}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
