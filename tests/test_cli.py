"""The ``v2v`` command: exit codes, one-line errors, process/batch/palettes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import pytest
from lxml import etree
from typer.testing import CliRunner

from tests.conftest import draw_car
from v2v import Palette
from v2v.cli import app

FAST = ["--set", "input.work_long_side=384", "--set", "qa.check_text=false"]
runner = CliRunner()


def _v2v(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "v2v.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_missing_input_is_one_line_exit_3(tmp_path: Path) -> None:
    done = _v2v("process", str(tmp_path / "nope.jpg"), str(tmp_path / "out.svg"))
    assert done.returncode == 3
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("v2v: error: input file not found")
    assert "Traceback" not in done.stderr


def test_bad_override_exit_2_names_the_key(car_path: Path, tmp_path: Path) -> None:
    done = _v2v("process", str(car_path), str(tmp_path / "o.svg"), "--set", "phase3.nope=1")
    assert done.returncode == 2
    assert "phase3.nope: unknown key" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_palette_exit_3(car_path: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["process", str(car_path), str(tmp_path / "o.svg"), "--palette", "#12345,#FFFFFF"]
    )
    assert result.exit_code == 3
    assert "#12345" in result.output


def test_not_an_image_exit_3(tmp_path: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("hello")
    result = runner.invoke(app, ["process", str(bad), str(tmp_path / "o.svg")])
    assert result.exit_code == 3
    assert "not a readable image" in result.output


def test_palettes_lists_builtins() -> None:
    result = runner.invoke(app, ["palettes"])
    assert result.exit_code == 0
    assert "default (15)" in result.output
    assert "primary-15 (15): #000000 #FFFFFF #FF0000" in result.output


def test_process_writes_svg_png_report(car_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "car.svg"
    steps = tmp_path / "steps"
    result = runner.invoke(
        app,
        [
            "process",
            str(car_path),
            str(out),
            "--png",
            str(tmp_path / "car.png"),
            "--report",
            str(tmp_path / "car.json"),
            "--save-intermediates",
            str(steps),
            "--palette",
            "primary-15",
            *FAST,
        ],
    )
    assert result.exit_code == 0, result.output
    root = etree.fromstring(out.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert cv2.imread(str(tmp_path / "car.png")) is not None
    assert (tmp_path / "car.json").stat().st_size > 100
    assert (steps / "phase3_paletted.png").is_file()
    assert "palette 100%" in result.output and "strokes 100%" in result.output


def test_batch_goes_on_past_bad_files_and_exits_8(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    cv2.imwrite(str(source / "good.png"), cv2.cvtColor(draw_car(384, 240), cv2.COLOR_RGB2BGR))
    (source / "broken.jpg").write_bytes(b"not an image")
    result = runner.invoke(app, ["batch", str(source), str(tmp_path / "out"), *FAST])
    assert result.exit_code == 8
    assert (tmp_path / "out" / "good.svg").is_file()
    assert "1 converted, 1 failed" in result.output
    assert (tmp_path / "out" / "batch-summary.json").is_file()


@pytest.mark.parametrize("phase", ["phase1", "phase2", "phase3"])
def test_single_phases_write_png(phase: str, car_path: Path, tmp_path: Path) -> None:
    out = tmp_path / f"{phase}.png"
    result = runner.invoke(app, [phase, str(car_path), str(out), *FAST[:2]])
    assert result.exit_code == 0, result.output
    image = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.shape[2] == 4
    opaque = image[..., 3] > 0
    if phase == "phase1":  # phases II and III alone take an image without alpha as all vehicle
        assert 0.05 < opaque.mean() < 0.95  # the car, not the frame
    if phase == "phase3":  # every drawn pixel is a colour of the (default) palette
        rgb = {(int(p[2]), int(p[1]), int(p[0])) for p in image[opaque]}
        colours = {f"#{r:02X}{g:02X}{b:02X}" for r, g, b in rgb}
        assert colours <= set(Palette.load("default").colors)


def test_phase4_traces_an_rgba_image(tmp_path: Path) -> None:
    rgba = cv2.cvtColor(draw_car(384, 240, plate_text=None), cv2.COLOR_RGB2BGRA)
    source = tmp_path / "flat.png"
    cv2.imwrite(str(source), rgba)
    result = runner.invoke(
        app, ["phase4", str(source), str(tmp_path / "o.svg"), "--palette", "primary-15"]
    )
    assert result.exit_code == 0, result.output
    assert "colour layers" in result.output
    root = etree.parse(str(tmp_path / "o.svg")).getroot()
    paths = [e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("path")]
    assert len(paths) >= 3
    fills = {e.get("fill").upper() for e in root.iter() if isinstance(e.tag, str) and e.get("fill")}
    assert fills - {"NONE"} <= set(Palette.load("primary-15").colors)


def test_backends_say_which_weights_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL_VOLUME_PATH", str(tmp_path / "models"))
    result = runner.invoke(app, ["backends"])
    assert result.exit_code == 0
    assert "classical" in result.output
    lines = result.output.splitlines()
    gpu = lines[lines.index(next(line for line in lines if "sdxl-controlnet" in line)) + 1]
    assert "unavailable" in gpu and "sdxl" in gpu


def test_models_verify_exits_4_when_weights_are_missing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["models", "verify", "sdxl", "--dir", str(tmp_path)])
    assert result.exit_code == 4
    assert "sdxl" in result.output and "missing" in result.output


def test_train_names_a_bad_pairs_folder_and_lora_list_is_empty(tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(tmp_path)])
    assert result.exit_code == 3
    assert "inputs/" in result.output
    result = runner.invoke(app, ["train", str(tmp_path), "--param", "epochs=many"])
    assert result.exit_code == 2
    assert "epochs" in result.output
    result = runner.invoke(app, ["lora", "list", "--dir", str(tmp_path)])
    assert result.exit_code == 0
    assert "no LoRAs" in result.output


def test_batch_refuses_an_unknown_executor(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    cv2.imwrite(str(source / "a.png"), cv2.cvtColor(draw_car(256, 160), cv2.COLOR_RGB2BGR))
    result = runner.invoke(app, ["batch", str(source), str(tmp_path / "o"), "--executor", "ray"])
    assert result.exit_code == 2  # a usage error, as the README's table says
    assert "local or celery" in result.output
    assert not (tmp_path / "o").exists()  # refused before any work
