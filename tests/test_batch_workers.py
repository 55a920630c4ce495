"""``v2v batch``: one worker converts in the command's own process, several in a process pool,
and a worker makes its pipeline once, not once a photo (issue 17)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import cv2
import pytest
from typer.testing import CliRunner

from tests.conftest import draw_car
from v2v.cli import app
from v2v.cli import batch as module

FAST = ["--set", "input.work_long_side=320", "--set", "qa.check_text=false"]
runner = CliRunner()


def _photos(folder: Path, count: int) -> Path:
    folder.mkdir()
    for index in range(count):
        car = draw_car(320 + 16 * index, 200)
        cv2.imwrite(str(folder / f"car{index}.png"), cv2.cvtColor(car, cv2.COLOR_RGB2BGR))
    return folder


def test_one_worker_runs_here_with_one_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("one worker must not start a process pool")

    made: list[object] = []
    real = module.make_pipeline

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(module, "make_pipeline", counting)
    monkeypatch.setattr(module, "_PIPELINES", {})
    monkeypatch.delenv("V2V_CPU_THREADS", raising=False)
    source = _photos(tmp_path / "in", 3)
    result = runner.invoke(app, ["batch", str(source), str(tmp_path / "out"), *FAST])
    assert "V2V_CPU_THREADS" not in os.environ  # the caller's environment is left alone
    assert result.exit_code == 0, result.output
    assert "3 converted, 0 failed" in result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.svg")) == [
        "car0.svg",
        "car1.svg",
        "car2.svg",
    ]
    assert len(made) == 1  # the pipeline that checked the config converts all 3 photos


def test_two_workers_convert_every_photo_in_worker_processes(tmp_path: Path) -> None:
    source = _photos(tmp_path / "in", 3)
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(source), str(out), "--workers", "2", *FAST])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "batch-summary.json").read_text())
    assert sorted(Path(item["file"]).name for item in summary) == [
        "car0.png",
        "car1.png",
        "car2.png",
    ]
    assert all(
        item["ok"] and (out / f"{Path(item['file']).stem}.png").is_file() for item in summary
    )


def test_an_unexpected_error_on_one_photo_stops_no_batch_and_leaks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v.pipeline import Pipeline

    real = Pipeline.run

    def odd(self: Pipeline, source: Any, *args: Any, **kwargs: Any) -> Any:
        if str(source).endswith("car1.png"):
            raise cv2.error("OpenCV(4.x) /build/opencv/modules/imgproc/src/resize.cpp:4062")
        return real(self, source, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "run", odd)
    source = _photos(tmp_path / "in", 3)
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(source), str(out), *FAST])
    assert result.exit_code == 8, result.output  # some failed
    summary = {
        Path(i["file"]).name: i for i in json.loads((out / "batch-summary.json").read_text())
    }
    assert summary["car0.png"]["ok"] and summary["car2.png"]["ok"]
    assert not summary["car1.png"]["ok"]
    error = summary["car1.png"]["error"]
    assert "cv2.error" in error and "resize.cpp" not in error  # its kind, no internals


def test_one_worker_reads_an_edited_config_on_the_next_batch(tmp_path: Path) -> None:
    config = tmp_path / "style.yaml"
    source = _photos(tmp_path / "in", 1)
    sizes = []
    for side in (320, 256):
        config.write_text(f"input:\n  work_long_side: {side}\nqa:\n  check_text: false\n")
        out = tmp_path / f"out{side}"
        result = runner.invoke(app, ["batch", str(source), str(out), "--config", str(config)])
        assert result.exit_code == 0, result.output
        sizes.append((out / "car0.svg").read_text(encoding="utf-8")[:300])
    assert sizes[0] != sizes[1], "the second batch in this process used the edited config"
