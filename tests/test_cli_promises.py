"""Promises of the README's exit-code table and QA policies, through the interfaces that make
them: the ``v2v`` command (exit codes, one stderr line) and the report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from v2v import pipeline as pipeline_module
from v2v.cli import app
from v2v.config import load_config
from v2v.errors import Cancelled, StageFailed
from v2v.pipeline import Pipeline

FAST = ["--set", "input.work_long_side=384", "--set", "qa.check_text=false"]
runner = CliRunner()


def _one_line_error(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert lines[0].startswith("v2v: error: ")
    return lines[0]


def test_quality_checks_failing_under_the_fail_policy_exit_6(
    car_path: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "v2v.cli", "process", str(car_path), str(tmp_path / "o.svg")),
            *FAST,
            *("--set", "qa.policy=fail", "--set", "qa.min_silhouette_iou=1.0"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 6, done.stderr
    line = _one_line_error(done.stderr)
    assert "quality checks failed" in line and "silhouette IoU" in line
    assert not (tmp_path / "o.svg").exists()  # nothing half-written


@pytest.mark.parametrize(
    ("raised", "code", "said"),
    [
        (RuntimeError("boom inside"), 1, "unexpected RuntimeError: boom inside (please report"),
        (StageFailed("phase II failed: no region"), 5, "phase II failed: no region"),
        (Cancelled("the run was cancelled"), 130, "the run was cancelled"),
        (KeyboardInterrupt(), 130, "interrupted"),
    ],
)
def test_failures_exit_with_the_documented_code_and_one_line(
    raised: BaseException,
    code: int,
    said: str,
    car_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise raised

    monkeypatch.setattr(Pipeline, "run", fail)
    done = runner.invoke(app, ["process", str(car_path), str(tmp_path / "o.svg"), *FAST])
    assert done.exit_code == code
    assert said in _one_line_error(done.output)


def test_a_silhouette_below_the_threshold_fails_the_checks(car_path: Path) -> None:
    config = load_config(overrides=["input.work_long_side=384", "qa.check_text=false"])
    strict = config.with_overrides({"qa.min_silhouette_iou": 1.0})
    result = Pipeline(strict).run(car_path)
    qa = result.report["qa"]
    assert not qa["passed"] and qa["silhouette_iou"] < 1.0
    assert any(f.startswith("silhouette IoU") for f in qa["failures"])
    assert Pipeline(config).run(car_path).report["qa"]["silhouette_iou"] >= 0.85


def test_the_retry_policy_reruns_gentler_and_keeps_the_best_attempt(
    car_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, object]] = []
    real = pipeline_module.run_checks

    def recording(config, palette, clean, art, meanwhile=None):  # type: ignore[no-untyped-def]
        qa = real(config, palette, clean, art, meanwhile)
        seen.append({"iou": qa.silhouette_iou, "min_area": config.phase3.min_area_percent})
        return qa

    monkeypatch.setattr(pipeline_module, "run_checks", recording)
    config = load_config(
        overrides=[
            "input.work_long_side=384",
            "qa.check_text=false",
            "qa.policy=retry",
            "qa.max_retries=2",
            "qa.min_silhouette_iou=1.0",  # never reached: every attempt runs
        ]
    )
    result = Pipeline(config).run(car_path)
    assert result.report["qa"]["attempts"] == 3 and len(seen) == 3
    areas = [float(str(s["min_area"])) for s in seen]
    assert areas[1] == areas[0] / 2 and areas[2] == areas[1] / 2  # each attempt gentler
    best = max(float(str(s["iou"])) for s in seen)
    assert result.report["qa"]["silhouette_iou"] == best
