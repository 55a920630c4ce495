"""``GET /api/v1/jobs/{id}/export``: each format of a finished job, validated parameters."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from tests.exports.readback import ase_colors, dxf_facts, pdf_facts, png_image
from tests.service.conftest import FAST, upload, wait_until_finished
from tests.test_phase4 import PALETTE, draw_labels, vectorize
from v2v import RunContext
from v2v.service.jobs.messages import Outcome, Task

Client = Callable[..., TestClient]
PHOTO_SIZE = (1600, 960)


def traced(task: Task, ctx: RunContext) -> Outcome:
    """A stand-in runner that writes a real traced SVG (400 x 240) and a report like the
    pipeline's (photo size, palette), without running phases I-III."""
    out = Path(task.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.svg").write_text(vectorize(draw_labels()).svg, encoding="utf-8")
    report = {"input": {"original_size": list(PHOTO_SIZE)}, "palette": PALETTE.to_dict()}
    (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return Outcome(["result.svg", "report.json"], dict(ctx.timings), qa={"passed": True})


@pytest.fixture
def finished(make_client: Client, car_png: bytes) -> tuple[TestClient, str]:
    client = make_client(runner="tests.service.test_service_exports:traced")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    assert wait_until_finished(client, job["id"])["status"] == "succeeded"
    return client, f"/api/v1/jobs/{job['id']}/export"


def test_pdf_at_a_size_in_millimetres(finished: tuple[TestClient, str]) -> None:
    client, url = finished
    response = client.get(url, params={"format": "pdf", "size": "300mm", "stacking": "cutout"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="car-cutout.pdf"' in response.headers["content-disposition"]
    facts = pdf_facts(response.content)
    assert facts.size[0] == pytest.approx(300 / 25.4 * 72, abs=0.01) and facts.images == 0
    assert facts.fill_colors <= set(PALETTE.colors)


def test_each_format_downloads(finished: tuple[TestClient, str]) -> None:
    client, url = finished
    links = client.get(url.removesuffix("/export")).json()["urls"]["exports"]
    assert links["pdf"] == f"{url}?format=pdf" and set(links) >= {"dxf", "png", "ase"}
    svg = client.get(url, params={"size": "photo"})
    assert etree.fromstring(svg.content).get("width") == str(PHOTO_SIZE[0])
    assert dxf_facts(client.get(url, params={"format": "dxf"}).content).closed > 0
    rgba, _ = png_image(client.get(url, params={"format": "png", "size": "800px"}).content)
    assert rgba.shape[:2] == (480, 800)
    swatches = client.get(url, params={"format": "ase"})
    assert [c for _, c in ase_colors(swatches.content)] == list(PALETTE.colors)
    assert client.get(url, params={"format": "eps"}).content.startswith(b"%!PS-Adobe-3.0 EPSF")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"format": "tiff"}, "unknown export format 'tiff'"),
        ({"size": "300 furlongs"}, "is not understood"),
        ({"dpi": "0"}, "dpi"),
        ({"dpi": "crisp"}, "dpi"),
        ({"stacking": "piled"}, "stacking"),
        ({"grouping": "part"}, "grouping"),
        ({"quality": "high"}, "unknown query parameter"),
        ({"format": "png", "size": "5000mm", "dpi": "600"}, "megapixel"),
        ({"size": "20000mm"}, "larger than 10 m"),
    ],
)
def test_bad_parameters_are_a_clear_422(
    finished: tuple[TestClient, str], params: dict[str, str], named: str
) -> None:
    client, url = finished
    response = client.get(url, params=params)
    assert response.status_code == 422, response.text
    if named != "unknown query parameter":  # one code for every bad export option
        assert response.json()["code"] == "invalid_export", response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert named in response.text
    assert "Traceback" not in response.text and "/tmp" not in response.text


def test_a_job_without_an_svg_is_a_409_and_another_job_a_404(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner="tests.service.fakes:bad_input")
    job = client.post("/api/v1/jobs", files=upload(car_png)).json()
    wait_until_finished(client, job["id"])
    response = client.get(f"/api/v1/jobs/{job['id']}/export", params={"format": "pdf"})
    assert response.status_code == 409 and "has no SVG" in response.text
    assert client.get("/api/v1/jobs/" + "0" * 32 + "/export").status_code == 404


def test_a_real_conversion_exports_a_cut_out_dxf(make_client: Client, car_png: bytes) -> None:
    client = make_client(runner=None)
    job = client.post(
        "/api/v1/jobs", files=upload(car_png), data={"overrides": json.dumps(FAST)}
    ).json()
    assert wait_until_finished(client, job["id"], timeout=120)["status"] == "succeeded"
    url = f"/api/v1/jobs/{job['id']}/export"
    facts = dxf_facts(client.get(url, params={"format": "dxf", "stacking": "cutout"}).content)
    assert facts.closed > 3 and len(facts.layers) >= 3
    pdf = pdf_facts(client.get(url, params={"format": "pdf", "size": "photo"}).content)
    assert pdf.size[0] == pytest.approx(320 * 0.75)  # the 320 px photo, in points


def test_process_takes_the_export_fields_and_answers_with_the_export_url(
    make_client: Client, car_png: bytes
) -> None:
    client = make_client(runner="tests.service.test_service_exports:traced")
    fields = {"format": "pdf", "size": "300mm", "stacking": "cutout"}
    answer = client.post("/api/v1/process", files=upload(car_png), data=fields)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    link = body["urls"]["export"]
    assert link == (
        f"/api/v1/jobs/{body['job_id']}/export"
        "?format=pdf&size=300mm&dpi=96.0&stacking=cutout&grouping=color"
    )
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="car-cutout.pdf"' in pdf.headers["content-disposition"]
    assert pdf_facts(pdf.content).size[0] == pytest.approx(300 / 25.4 * 72, abs=0.01)
    # a job submitted with the fields lists the same link once it is done
    job = client.post("/api/v1/jobs", files=upload(car_png), data={"format": "dxf"}).json()
    done = wait_until_finished(client, job["id"])
    assert done["urls"]["export"].endswith(
        "?format=dxf&size=working&dpi=96.0&stacking=stacked&grouping=color"
    )
    plain = client.post("/api/v1/process", files=upload(car_png)).json()
    assert plain["urls"]["export"] is None


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"format": "tiff"}, "unknown export format 'tiff'"),
        ({"size": "300 furlongs"}, "is not understood"),
        ({"dpi": "0"}, "dpi"),
        ({"dpi": "crisp"}, "dpi"),
        ({"stacking": "piled"}, "stacking"),
        ({"grouping": "part"}, "grouping"),
        ({"size": "20000mm"}, "larger than 10 m"),
    ],
)
def test_bad_export_fields_on_process_are_the_export_routes_422_and_queue_nothing(
    make_client: Client, car_png: bytes, fields: dict[str, str], named: str
) -> None:
    client = make_client(runner="tests.service.test_service_exports:traced")
    answer = client.post("/api/v1/process", files=upload(car_png), data=fields)
    assert answer.status_code == 422 and named in answer.text, answer.text
    assert answer.json()["code"] == "invalid_export", answer.text
    assert client.get("/api/v1/jobs").json()["total"] == 0
