"""configs/gpu.yaml end to end on CPU with tiny random models: API and CLI.

The picture is noise (random weights); the flow, shapes, dtypes and the style-guide checks on
the SVG are real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import pytest
import yaml
from lxml import etree

from tests.conftest import draw_car
from tests.gpu.conftest import NEEDS_TORCH

torch = pytest.importorskip("torch", reason=NEEDS_TORCH)

import v2v  # noqa: E402
from v2v.config import CONFIG_DIR, load_config  # noqa: E402
from v2v.qa import audit_svg  # noqa: E402

GPU_YAML = CONFIG_DIR / "gpu.yaml"


def tiny(model_dir: Path) -> dict[str, Any]:
    """Overrides that make gpu.yaml fast on tiny models: small images, two diffusion steps."""
    return {
        "models.dir": str(model_dir),
        "input.work_long_side": 128,
        "phase1.vehicle_mask.resolution": 64,
        "phase1.detection.box_threshold": 0.0,
        "phase1.detection.text_threshold": 0.0,
        "phase2.steps": 2,
        "phase2.resolution": 64,
        "phase2.guard.mask_resolution": 64,
        "phase3.upscale.factor": 2,
        "qa.check_text": False,
    }


def _keys(data: dict[str, Any], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        out |= _keys(value, path + ".") if isinstance(value, dict) else {path}
    return out


def test_gpu_yaml_spells_out_every_key_of_the_gpu_sections() -> None:
    in_file = yaml.safe_load(GPU_YAML.read_text())
    config = load_config(GPU_YAML, environ={})
    assert config.phase1.backend == "grounded-sam-lama"
    assert config.phase2.backend == "sdxl-controlnet"
    assert config.phase3.upscale.method == "spandrel"
    for section in ("models", "phase1", "phase2"):
        dumped = getattr(config, section).model_dump(mode="json")
        assert _keys(in_file[section]) == _keys(dumped), section


def test_the_gpu_pipeline_yields_a_style_guide_compliant_svg(model_dir: Path) -> None:
    config = load_config(GPU_YAML, overrides=tiny(model_dir), environ={})
    result = v2v.convert(draw_car(256, 160), config=config)
    assert result.svg is not None
    root = etree.fromstring(result.svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    audit = audit_svg(result.svg, v2v.Palette.load("default"), 2.0)
    assert audit.shapes > 0
    assert audit.palette_compliance == 1.0 and audit.stroke_compliance == 1.0
    report = result.report
    assert report["qa"]["palette_compliance"] == 1.0
    assert report["phases"]["phase1"]["backend"] == "grounded-sam-lama"
    phase2 = report["phases"]["phase2"]
    assert phase2["backend"] == "sdxl-controlnet" and phase2["attempts"]
    assert "peak_gpu_memory_mb" in phase2 and "peak_gpu_memory_mb" in report["phases"]["phase1"]
    assert result.paletted is not None and result.paletted.scale == 2.0
    assert result.paletted.labels.shape == (160, 256)  # 128 × 80 working size, upscaled × 2
    assert all(report["timings"][phase] > 0 for phase in ("phase1", "phase2", "phase3"))
    assert result.preview_png.startswith(b"\x89PNG")


def test_the_cli_runs_the_gpu_config_like_the_cpu_one(model_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from v2v.cli import app

    photo, svg = tmp_path / "car.png", tmp_path / "car.svg"
    cv2.imwrite(str(photo), cv2.cvtColor(draw_car(256, 160), cv2.COLOR_RGB2BGR))
    sets = [arg for key, value in tiny(model_dir).items() for arg in ("--set", f"{key}={value}")]
    done = CliRunner().invoke(
        app, ["process", str(photo), str(svg), "--config", str(GPU_YAML), *sets]
    )
    assert done.exit_code == 0, done.output
    assert etree.fromstring(svg.read_bytes()).get("viewBox")


def test_missing_weights_stop_the_cli_with_the_folder_and_the_fix(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from v2v.cli import app

    photo = tmp_path / "car.png"
    cv2.imwrite(str(photo), draw_car(256, 160))
    done = CliRunner().invoke(
        app,
        [
            "process",
            str(photo),
            str(tmp_path / "o.svg"),
            "--config",
            str(GPU_YAML),
            "--set",
            f"models.dir={tmp_path / 'empty'}",
        ],
    )
    assert done.exit_code == v2v.WeightsMissing.exit_code
    assert str(tmp_path / "empty" / "grounding-dino") in done.output
    assert "v2v models download grounding-dino" in done.output


def test_the_service_runs_the_gpu_config_like_the_cpu_one(model_dir: Path, tmp_path: Path) -> None:
    """POST /api/v1/process with PIPELINE_CONFIG = gpu.yaml (tiny models): the same contract."""
    pytest.importorskip("fastapi", reason="the service needs the 'server' extra")
    from fastapi.testclient import TestClient

    from v2v.service import create_app, load_settings

    config_file = tmp_path / "gpu-tiny.yaml"
    config = load_config(GPU_YAML, overrides=tiny(model_dir), environ={})
    config_file.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    settings = load_settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        worker_mode="thread",
        api_rate_limit="",
        min_free_disk_mb=0,
        pipeline_config=config_file,
    )
    ok, png = cv2.imencode(".png", cv2.cvtColor(draw_car(256, 160), cv2.COLOR_RGB2BGR))
    assert ok
    with TestClient(
        create_app(settings), client=("127.0.0.1", 50000), base_url="http://localhost"
    ) as client:
        backends = client.get("/api/v1/backends").json()
        response = client.post(
            "/api/v1/process", files={"file": ("car.png", png.tobytes(), "image/png")}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["qa"]["palette_compliance"] == 1.0
        report = client.get(body["urls"]["report"]).json()
        assert report["phases"]["phase2"]["backend"] == "sdxl-controlnet"
        svg = client.get(body["urls"]["svg"])
    assert "sdxl-controlnet" in str(backends)
    assert svg.status_code == 200
    audit = audit_svg(svg.text, v2v.Palette.load("default"), 2.0)
    assert audit.palette_compliance == 1.0 and audit.stroke_compliance == 1.0
