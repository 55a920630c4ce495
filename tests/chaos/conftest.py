"""The fault-injection suite: every test injects a fault, checks every job it made, and records a
row of the table printed at the end of the run (faults injected, jobs lost, jobs run twice, files
left behind; each should be 0 but the first).

Tests marked ``chaos`` (processes started and killed, seconds each) run only with ``-m chaos``
(``make chaos``); the rest run with every ``make test``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.distributed.conftest import postgres, redis_url  # noqa: F401 - fixtures
from tests.service.conftest import car_png, make_client, make_settings  # noqa: F401 - fixtures
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.records import FINISHED, SUCCEEDED
from v2v.service.jobs.store import JobStore


@dataclass
class Row:
    fault: str
    client_saw: str
    jobs: int
    lost: int
    twice: int
    left_behind: int


@dataclass
class Ledger:
    rows: list[Row] = field(default_factory=list)


LEDGER = Ledger()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "chaos" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow fault injection: make chaos (pytest -m chaos)")
    for item in items:
        if item.get_closest_marker("chaos") is not None:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not LEDGER.rows:
        return
    write = terminalreporter.write_line
    write("")
    write("fault injection: what was injected, what the client saw, and what became of the jobs")
    header = f"{'fault':44} {'jobs':>4} {'lost':>4} {'twice':>5} {'files left':>10}  client saw"
    write(header)
    write("-" * len(header))
    for row in LEDGER.rows:
        write(
            f"{row.fault:44} {row.jobs:4d} {row.lost:4d} {row.twice:5d} {row.left_behind:10d}"
            f"  {row.client_saw}"
        )
    total = [sum(getattr(r, name) for r in LEDGER.rows) for name in ("jobs", "lost", "twice")]
    left = sum(r.left_behind for r in LEDGER.rows)
    write(
        f"{'faults injected: ' + str(len(LEDGER.rows)):44} {total[0]:4d} {total[1]:4d} "
        f"{total[2]:5d} {left:10d}"
    )


def completed_runs(log: Path) -> dict[str, int]:
    """How often each job's run reached its end (tests.chaos.runners.staged records it)."""
    counts: dict[str, int] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        counts[line] = counts.get(line, 0) + 1
    return counts


def audit(
    store: JobStore,
    files: JobFiles,
    job_ids: list[str],
    fault: str,
    client_saw: str,
    runs_log: Path | None = None,
) -> Row:
    """Check every job ended once with consistent files; record and return the table row.

    lost: a job that never ended (or vanished); twice: a job whose run completed more than once
    (or that changed its final state later); left behind: files that should not be there (outputs
    of a job that did not succeed, a result list that does not match the folder, an upload of an
    ended job, half-received uploads, folders of jobs that do not exist).
    """
    first = {job_id: store.get(job_id) for job_id in job_ids}
    time.sleep(1.0)  # nothing may change a job after it ended
    runs = completed_runs(runs_log or files.root / "runs.log")
    lost = twice = left = 0
    for job_id, job in first.items():
        again = store.get(job_id)
        if job is None or again is None or job.status not in FINISHED:
            lost += 1
            continue
        if (again.status, again.finished_at) != (job.status, job.finished_at):
            twice += 1
        if runs.get(job_id, 0) > 1:
            twice += 1
        out = files.out_dir(job_id)
        present = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
        expected = sorted(job.files) if job.status == SUCCEEDED else []
        left += len(set(present) ^ set(expected))
        left += int(files.input_path(job_id) is not None)
    known = set(job_ids)
    left += sum(1 for name in files.orphans(known))
    left += sum(1 for path in files.tmp_root.rglob("*") if path.is_file())
    row = Row(fault, client_saw, len(job_ids), lost, twice, left)
    LEDGER.rows.append(row)
    return row
