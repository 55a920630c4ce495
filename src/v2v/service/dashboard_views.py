"""The original dashboard's job lists and HTML fragments (REFERENCE.md §2.2, §8), built from
today's job records: ``job-status-data`` (the newest 10), ``job-list-data`` (the newest 20), and
the ``metrics``/``job-status``/``job-list`` fragments an HTMX page swaps in. Every value in the
fragments is escaped; links point at today's UI pages."""

from __future__ import annotations

from html import escape
from typing import Any

from v2v.service.compat import overall_percent, status_name
from v2v.service.jobs.store import SUCCEEDED, JobRecord
from v2v.service.redact import redact_paths
from v2v.service.schemas import API, StatusNames

#: today's job kinds → the original dashboard's job types
TYPES = {"convert": "inference", "train": "training"}


def job_summary(job: JobRecord, names: StatusNames) -> dict[str, Any]:
    """One job as the original's lists showed it (``JobStatusResponse`` + its type)."""
    training = job.kind == "train"
    base = f"{API}/training-jobs/{job.id}" if training else f"{API}/jobs/{job.id}"
    done = job.status == SUCCEEDED
    if training:
        progress = 100.0 if done else round(100 * job.progress.get("train", 0.0), 1)
    else:
        progress = overall_percent(job)
    result = f"{API}/results/{job.id}" if done and "result.svg" in job.files else None
    return {
        "job_id": job.id,
        "type": TYPES.get(job.kind, job.kind),
        "status": status_name(job.status, names),
        "progress": progress,
        "result_url": result,
        "error": redact_paths(job.error_detail or "") or None,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
        "status_url": base,
    }


def _page(summary: dict[str, Any]) -> str:
    kind = "train" if summary["type"] == "training" else "jobs"
    return f"/ui/{kind}/{summary['job_id']}"


def metrics_html(figures: dict[str, Any]) -> str:
    cards = (
        ("Active jobs", figures["active_jobs_count"]),
        ("Completed today", figures["completed_jobs_count"]),
        ("Success rate", figures["success_rate"]),
        ("Average time", figures["avg_time"]),
        ("Total jobs", figures["total_jobs"]),
        ("Failed jobs", figures["failed_jobs"]),
    )
    items = "".join(
        f'<div class="metric-card"><h3>{escape(title)}</h3><p>{escape(str(value))}</p></div>'
        for title, value in cards
    )
    return f'<div class="metrics-grid">{items}</div>'


def job_status_html(summaries: list[dict[str, Any]]) -> str:
    if not summaries:
        return '<p class="empty">No jobs yet.</p>'
    items = "".join(
        f'<li><a href="{escape(_page(s))}">{escape(s["job_id"][:8])}</a> '
        f'<span class="type">{escape(s["type"])}</span> '
        f'<span class="status status-{escape(s["status"])}">{escape(s["status"])}</span> '
        f'<span class="progress">{s["progress"]:.0f}%</span></li>'
        for s in summaries
    )
    return f'<ul class="job-status">{items}</ul>'


def job_list_html(summaries: list[dict[str, Any]]) -> str:
    if not summaries:
        return '<p class="empty">No jobs yet.</p>'
    rows = "".join(
        f'<tr><td><a href="{escape(_page(s))}">{escape(s["job_id"][:8])}</a></td>'
        f"<td>{escape(s['type'])}</td><td>{escape(s['status'])}</td>"
        f"<td>{s['progress']:.0f}%</td><td>{escape(s['created_at'])}</td></tr>"
        for s in summaries
    )
    head = "<tr><th>Job</th><th>Type</th><th>Status</th><th>Progress</th><th>Created</th></tr>"
    return f'<table class="job-list"><thead>{head}</thead><tbody>{rows}</tbody></table>'
