"""A client that knows only the original system's document (``../shared/REFERENCE.md`` §2–§3)
submits, polls and downloads through the original routes and fields. Written from that document's
promises, not from today's code: field names, status names (``STATUS_NAMES=original``), keys of
the answers, the 15-colour rule of ``palette_hex_list``, and no field ignored in silence."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families

from tests.service.conftest import FAST, upload
from tests.service.fakes import quick
from v2v import RunContext
from v2v.errors import StageFailed
from v2v.service.jobs import runner as runner_module
from v2v.service.jobs.messages import Outcome, Task

Client = Callable[..., TestClient]
STYLE_GUIDE = (  # 15 colours, as the original's palette_hex_list wants them
    "#000000,#FFFFFF,#FF0000,#00FF00,#0000FF,#FFFF00,#FF00FF,#00FFFF,"
    "#800000,#008000,#000080,#808000,#800080,#008080,#808080"
)


def poll_until_done(client: TestClient, status_url: str, timeout: float = 60) -> dict[str, Any]:
    """What the original's clients did: poll the status URL until completed or failed."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(status_url).json()
        assert body["status"] in {"pending", "processing", "completed", "failed", "cancelled"}
        if body["status"] in {"completed", "failed", "cancelled"}:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def test_an_original_client_submits_polls_and_downloads(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner=None, status_names="original")
    health = client.get("/health").json()
    assert health["status"] == "healthy" and health["version"] and health["timestamp"]
    overrides = json.dumps({"phases": {"phase4": {"enabled": True}}})
    submitted = client.post(
        "/api/v1/jobs",
        files=upload(car_png),
        data={"palette_hex_list": STYLE_GUIDE, "config_overrides": overrides},
    )
    assert submitted.status_code in {200, 202}, submitted.text
    job = submitted.json()
    assert job["status"] == "pending" and job["status_url"] == f"/api/v1/jobs/{job['job_id']}"
    done = poll_until_done(client, job["status_url"])
    assert done["status"] == "completed", done
    assert done["job_id"] == job["job_id"] and done["created_at"] and done["updated_at"]
    svg = client.get(done["result_url"])
    assert svg.status_code == 200 and etree.fromstring(svg.content).tag.endswith("svg")
    fills = {e.get("fill") for e in etree.fromstring(svg.content).iter() if e.get("fill")}
    assert fills - {"none"} <= set(STYLE_GUIDE.split(","))  # the palette really was used
    extra = client.get(f"/api/v1/results/{job['job_id']}", params={"download": "1"})
    assert extra.status_code == 422 and "'download'" in extra.json()["detail"]
    assert client.get(done["status_url"], params={"verbose": "1"}).status_code == 422
    results = client.get(f"/api/v1/results/{job['job_id']}")
    assert results.status_code == 200 and results.content == svg.content
    assert f"vector_{job['job_id']}.svg" in results.headers["content-disposition"]
    for suffix, kind in ((".svg", "image/svg+xml"), (".png", "image/png")):
        got = client.get(f"/api/v1/download/{job['job_id']}{suffix}")
        assert got.status_code == 200 and got.headers["content-type"].startswith(kind)
    listed = client.get("/api/v1/jobs", params={"status": "completed"}).json()
    assert [j["job_id"] for j in listed["items"]] == [job["job_id"]]


def test_the_original_synchronous_process_answer(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner=None, status_names="original")
    response = client.post(
        "/api/v1/process",
        files=upload(car_png),
        data={"palette_hex_list": STYLE_GUIDE, "overrides": json.dumps(FAST)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success" and body["processing_time_ms"] > 0
    assert body["correlation_id"] and body["model_versions"]["pipeline"]
    assert set(body["phase_timings"]) == {"phase1", "phase2", "phase3", "phase4"}
    assert all(ms > 1 for ms in body["phase_timings"].values())  # milliseconds, not seconds
    assert client.get(body["svg_url"]).status_code == 200
    assert client.get(body["png_preview_url"]).content.startswith(b"\x89PNG")


def test_palette_hex_list_must_hold_exactly_15_colours(make_client: Client, car_png: bytes) -> None:
    client = make_client()
    four = "#000000,#FFFFFF,#FF0000,#0000FF"
    response = client.post("/api/v1/jobs", files=upload(car_png), data={"palette_hex_list": four})
    assert response.status_code == 400 and "exactly 15" in response.json()["detail"]
    wider = client.post("/api/v1/jobs", files=upload(car_png), data={"palette": four})
    assert wider.status_code == 202  # another size goes through today's palette field


def test_no_field_is_ignored_in_silence(make_client: Client, car_png: bytes) -> None:
    client = make_client()
    unknown = client.post("/api/v1/jobs", files=upload(car_png), data={"colour": "red"})
    assert unknown.status_code == 422 and "'colour'" in unknown.json()["detail"]
    assert "palette" in unknown.json()["detail"]  # the accepted names are listed
    renamed = client.post("/api/v1/phase1", files=upload(car_png), data={"num_epochs": "3"})
    assert renamed.status_code == 422 and "num_epochs" in renamed.json()["detail"]
    ignored_before = json.dumps({"phases": {"phase1": {"enabled": False}}, "seed": 3})
    response = client.post(
        "/api/v1/jobs", files=upload(car_png), data={"config_overrides": ignored_before}
    )
    assert response.status_code == 422 and "'seed'" in response.json()["detail"]
    query = client.get("/api/v1/jobs", params={"state": "completed"})
    assert query.status_code == 422 and "'state'" in query.json()["detail"]


def test_config_overrides_reach_the_pipeline(make_client: Client, car_png: bytes) -> None:
    client = make_client()  # the stand-in runner echoes the parameters it was given
    overrides = json.dumps({"phases": {"phase2": {"enabled": False}}})
    job = client.post(
        "/api/v1/jobs", files=upload(car_png), data={"config_overrides": overrides}
    ).json()
    done = client.get(f"/api/v1/jobs/{job['id']}").json()
    deadline = time.monotonic() + 30
    while done["status"] not in {"succeeded", "failed"} and time.monotonic() < deadline:
        time.sleep(0.05)
        done = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert done["qa"]["params"]["overrides"] == {"phase2.enabled": False}
    prompt = json.dumps({"phases": {"phase2": {"prompt_override": "flat art"}}})
    refused = client.post("/api/v1/jobs", files=upload(car_png), data={"config_overrides": prompt})
    # the CPU pipeline has no prompt: said, not ignored (the GPU config accepts it)
    assert refused.status_code == 422 and "phase2.prompt" in refused.json()["detail"]


def test_the_original_ui_paths_lead_to_todays_pages(make_client: Client) -> None:
    client = make_client()
    job = "0123456789abcdef0123456789abcdef"
    moved = {
        "/ui/training": "/ui/train",
        "/ui/inference": "/ui",
        "/ui/pipeline": "/ui/jobs",
        f"/ui/training/jobs/{job}": f"/ui/train/{job}",
        f"/ui/inference/jobs/{job}/status": f"/ui/jobs/{job}",
    }
    for old, new in moved.items():
        response = client.get(old, follow_redirects=False)
        assert response.status_code == 308 and response.headers["location"] == new, old
    assert client.get("/ui/jobs", follow_redirects=False).status_code == 200


def test_the_dashboard_figures_count_the_callers_jobs(make_client: Client, car_png: bytes) -> None:
    client = make_client()
    empty = client.get("/api/v1/dashboard/metrics-data").json()
    assert empty["total_jobs"] == 0 and empty["success_rate"] == "–"
    for _ in range(2):
        job = client.post("/api/v1/jobs", files=upload(car_png)).json()
        deadline = time.monotonic() + 30
        while client.get(f"/api/v1/jobs/{job['id']}").json()["status"] != "succeeded":
            assert time.monotonic() < deadline
            time.sleep(0.05)
    figures = client.get("/api/v1/dashboard/metrics-data").json()
    assert figures["total_jobs"] == 2 and figures["active_jobs_count"] == 0
    assert figures["completed_jobs_count"] == 2 and figures["failed_jobs"] == 0
    assert figures["success_rate"] == "100%" and figures["avg_time"].endswith("s")
    system = client.get("/api/v1/dashboard/system-stats").json()
    assert 0 <= system["disk_percent"] <= 100 and 0 <= system["memory_percent"] <= 100
    assert client.get("/api/v1/dashboard/metrics-data", params={"x": 1}).status_code == 422


def test_bad_or_ambiguous_fields_are_refused_with_a_reason(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client()
    post = lambda data: client.post("/api/v1/jobs", files=upload(car_png), data=data)  # noqa: E731
    deep = "[" * 5000 + "]" * 5000
    for field in ("overrides", "config_overrides"):
        response = post({field: deep})
        assert response.status_code in {413, 422}, response.text  # never a 500
    nested = post({"config_overrides": '{"phases": ' * 1500 + "{}" + "}" * 1500})
    assert nested.status_code in {413, 422}
    bad_hex = post({"palette_hex_list": ",".join(["#12345G"] + ["#000000"] * 14)})
    assert bad_hex.status_code == 400 and "#12345G" in bad_hex.json()["detail"]
    both = post({"hint": "1,1,100,100", "subject": "2"})
    assert both.status_code == 422 and "not both" in both.json()["detail"]
    parts = [
        ("file", ("a.png", car_png, "image/png")),
        ("palette", (None, "default")),
        ("palette", (None, "designer")),
    ]
    twice = client.post("/api/v1/jobs", files=parts)
    assert twice.status_code == 422 and "'palette'" in twice.json()["detail"]


def test_a_single_phase_answers_with_its_output_url(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner=None)
    for phase, suffix in (("phase1", ".png"), ("phase4", ".svg")):
        response = client.post(f"/api/v1/{phase}", files=upload(car_png))
        assert response.status_code == 200, response.text
        url = response.json()["output_url"]
        assert url.endswith(suffix) and client.get(url).status_code == 200


def test_an_original_readiness_probe_reads_ready_and_the_original_check_strings(
    make_client: Client,
) -> None:
    """REFERENCE §3: 200 ``{status: "ready", checks: {name: string}, timestamp}``, or 503 with
    ``status: "not_ready"``; ``gpu`` is ``available``/``unavailable``; ``disk_space`` reads
    ``"{free}GB free ({pct}%)"`` or ``low (…)``."""
    client = make_client(status_names="original")
    answer = client.get("/ready")
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "ready", body
    assert body["timestamp"] and all(isinstance(v, str) for v in body["checks"].values())
    assert body["checks"]["gpu"] == "unavailable"  # CPU backends: no GPU_MODEL
    assert re.fullmatch(r"\d+\.\d\dGB free \(\d+%\)", body["checks"]["disk_space"]), body

    starved = make_client(status_names="original", min_free_disk_mb=10**9)
    answer = starved.get("/ready")
    body = answer.json()
    assert answer.status_code == 503 and body["status"] == "not_ready"
    assert body["checks"]["disk_space"].startswith("low (") and "disk" in body["failing"]


def test_an_original_probe_sees_not_ready_while_workers_warm(
    make_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The original had two statuses: a worker still loading its models is ``not_ready``."""
    gate = threading.Event()

    def warming(task: Task, ctx: RunContext) -> Outcome:
        assert gate.wait(30)
        return quick(task, ctx)

    monkeypatch.setattr(runner_module, "run_task", warming)
    client = make_client(runner=None, warm_workers=True, status_names="original")
    try:
        answer = client.get("/ready")
        assert answer.status_code == 503 and answer.json()["status"] == "not_ready"
        assert "warming up" in answer.json()["checks"]["workers"]
    finally:
        gate.set()


def fails_in_phase2(task: Task, ctx: RunContext) -> Outcome:
    with ctx.stage("phase1"):
        pass
    with ctx.stage("phase2"):
        raise StageFailed("phase II failed: the flattening found no region in the vehicle")
    raise AssertionError("unreachable")


def test_an_original_scraper_finds_the_original_metric_families(
    make_client: Client, car_png: bytes
) -> None:
    """REFERENCE §1: ``pipeline_requests_total{status}``, ``pipeline_duration_seconds{phase}``
    (buckets 0.1 … 120), ``pipeline_errors_total{phase,error_type}``, ``gpu_memory_used_bytes``."""
    client = make_client(status_names="original")
    done = client.post("/api/v1/jobs", files=upload(car_png), data={"overrides": json.dumps(FAST)})
    poll_until_done(client, done.json()["status_url"])
    failing = make_client(
        runner="tests.service.test_original_contract:fails_in_phase2", status_names="original"
    )
    failed = failing.post("/api/v1/jobs", files=upload(car_png))
    assert poll_until_done(failing, failed.json()["status_url"])["status"] == "failed"

    def families(of: TestClient) -> dict[str, Any]:
        text = of.get("/metrics").text
        return {family.name: family for family in text_string_to_metric_families(text)}

    found = families(client)
    requests = found["pipeline_requests"]
    assert requests.type == "counter"
    assert {s.labels["status"]: s.value for s in requests.samples if s.name.endswith("_total")}[
        "completed"
    ] == 1
    duration = found["pipeline_duration_seconds"]
    assert duration.type == "histogram"
    bounds = {s.labels["le"] for s in duration.samples if s.name.endswith("_bucket")}
    assert bounds == {"0.1", "0.5", "1.0", "5.0", "10.0", "30.0", "60.0", "120.0", "+Inf"}
    assert {s.labels["phase"] for s in duration.samples} >= {"phase1", "phase4"}
    assert found["gpu_memory_used_bytes"].type == "gauge"
    assert found["pipeline_errors"].type == "counter"
    errors = [s for s in families(failing)["pipeline_errors"].samples if s.name.endswith("_total")]
    assert len(errors) == 1 and errors[0].value == 1
    assert errors[0].labels == {"phase": "phase2", "error_type": "stage_failed"}
