"""Health, readiness, metrics, docs, catalog, problem documents and headers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.conftest import LOCAL_URL, upload, wait_until_finished
from v2v.service.metrics import ServiceMetrics

Client = Callable[..., TestClient]


def test_health_answers_with_version_and_uptime(make_client: Client) -> None:
    client = make_client()
    body = client.get("/health").json()
    assert body["status"] == "healthy" and body["version"] and body["uptime_seconds"] >= 0


def test_ready_checks_database_workers_disk_models_and_gpu(make_client: Client) -> None:
    response = make_client().get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["failing"] == []
    assert set(body["checks"]) == {"database", "workers", "disk", "model_directory", "gpu"}
    assert "1/1 workers alive" in body["checks"]["workers"]["detail"]


def test_ready_is_503_and_names_the_failing_check(make_client: Client, tmp_path: Path) -> None:
    client = make_client(model_volume_path=tmp_path / "no-such-models")
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["model_directory"]
    assert "no-such-models" in body["checks"]["model_directory"]["detail"]


def test_ready_fails_the_gpu_check_when_a_gpu_is_configured_but_absent(make_client: Client) -> None:
    body = make_client(gpu_model="auto").get("/ready").json()
    assert "gpu" in body["failing"]


def test_metrics_count_requests_jobs_and_phases(make_client: Client, car_png: bytes) -> None:
    client = make_client()
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_until_finished(client, job["id"])
    client.get("/api/v1/jobs/0123")  # a 404 counts as an error by type
    text = client.get("/metrics").text
    assert 'v2v_http_requests_total{method="POST",route="/api/v1/jobs",status="202"} 1.0' in text
    assert 'v2v_jobs{status="succeeded"} 1.0' in text
    assert "v2v_job_queue_depth 0.0" in text and "v2v_workers_alive 1.0" in text
    assert 'v2v_pipeline_phase_duration_seconds_count{phase="phase2"} 1.0' in text
    assert 'v2v_errors_total{type="job_not_found"} 1.0' in text


def test_gpu_memory_is_exported_only_once_a_worker_reported_it() -> None:
    metrics = ServiceMetrics()
    assert b"v2v_gpu_memory_peak_bytes" not in metrics.render()  # CPU backends: no GPU figure
    metrics.job_finished("job", "succeeded", {"phase2": 1.0}, None, 3 * 2**30)
    assert b"v2v_gpu_memory_peak_bytes 3.221225472e+09" in metrics.render()


def test_a_job_that_fails_before_its_first_phase_is_counted_under_input() -> None:
    """An upload that cannot be read fails before phase I: a dashboard grouping failures by phase
    sees it under ``input``, not under an empty label."""
    metrics = ServiceMetrics()
    metrics.job_finished("job", "failed", {"total": 0.01}, "invalid_image", None)
    text = metrics.render().decode()
    assert 'pipeline_errors_total{error_type="invalid_image",phase="input"} 1.0' in text
    assert 'phase=""' not in text


def test_docs_and_redoc_are_served_without_a_cdn(make_client: Client) -> None:
    client = make_client()
    docs = client.get("/docs").text
    assert "/static/docs/swagger-ui-bundle.js" in docs and "cdn" not in docs
    assert client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
    redoc = client.get("/redoc").text
    assert "/static/docs/redoc.standalone.js" in redoc
    for page in (docs, redoc):  # not even a favicon from the network
        assert "http://" not in page and "https://" not in page
    schema = client.get("/openapi.json").json()
    for path in (
        "/api/v1/process",
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}/cancel",
        "/api/v1/phase1",
        "/api/v1/phase4",
        "/api/v1/palettes",
        "/ready",
    ):
        assert path in schema["paths"], path
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schema["components"]["securitySchemes"])


def test_palettes_lists_the_built_in_palettes(make_client: Client) -> None:
    palettes = {p["name"]: p for p in make_client().get("/api/v1/palettes").json()}
    assert len(palettes["default"]["colors"]) == 15
    assert palettes["primary-15"]["colors"][0] == "#000000"


def test_backends_marks_the_configured_one(make_client: Client) -> None:
    backends = make_client().get("/api/v1/backends").json()
    selected = {(b["phase"], b["name"]) for b in backends if b["selected"]}
    assert selected == {
        ("phase1", "classical"),
        ("phase2", "classical"),
        ("phase3", "ciede2000"),
        ("phase4", "vtracer"),
    }


def test_errors_are_problem_documents_with_the_echoed_correlation_id(make_client: Client) -> None:
    response = make_client().get(
        "/api/v1/jobs/" + "a" * 32, headers={"X-Correlation-ID": "trace-123"}
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-correlation-id"] == "trace-123"
    body = response.json()
    assert body["code"] == "job_not_found" and body["correlation_id"] == "trace-123"
    assert body["status"] == 404 and body["instance"] == "/api/v1/jobs/" + "a" * 32


def test_a_malformed_correlation_id_is_replaced(make_client: Client) -> None:
    response = make_client().get("/health", headers={"X-Correlation-ID": "bad id <script>"})
    assert response.headers["x-correlation-id"].isalnum()


def test_security_headers_on_every_response(make_client: Client) -> None:
    client = make_client()
    for response in (client.get("/health"), client.get("/nothing-here")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_ui_enabled_switches_the_web_ui(tmp_path: Path) -> None:
    from v2v.service import create_app, load_settings

    for enabled, ui_status, home in ((True, 200, "/ui"), (False, 404, "/docs")):
        settings = load_settings(
            _env_file=None,
            data_dir=tmp_path / str(enabled),
            ui_enabled=enabled,
            worker_mode="thread",
            warm_workers=False,
        )
        with TestClient(create_app(settings), base_url=LOCAL_URL) as client:
            assert client.get("/ui").status_code == ui_status
            assert client.get("/", follow_redirects=False).headers["location"] == home
