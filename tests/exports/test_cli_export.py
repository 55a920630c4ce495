"""``v2v export`` and the export options of ``v2v process`` / ``v2v batch``."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from lxml import etree
from typer.testing import CliRunner

from tests.conftest import draw_car
from tests.exports.readback import dxf_facts, gpl_colors, pdf_facts
from tests.test_cli import FAST
from tests.test_phase4 import PALETTE, draw_labels, vectorize
from v2v.cli import app

runner = CliRunner()


@pytest.fixture
def svg_file(tmp_path: Path) -> Path:
    path = tmp_path / "car.svg"
    path.write_text(vectorize(draw_labels()).svg, encoding="utf-8")
    return path


def test_export_writes_each_format_next_to_the_output(svg_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "car"
    result = runner.invoke(
        app,
        [
            *("export", str(svg_file), str(out), "--to", "pdf", "--to", "dxf", "--to", "gpl"),
            *("--size", "300mm", "--stacking", "cutout", "--palette", "designer"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert pdf_facts(out.with_suffix(".pdf").read_bytes()).images == 0
    assert dxf_facts(out.with_suffix(".dxf").read_bytes()).insunits == 4
    assert gpl_colors(out.with_suffix(".gpl").read_bytes()) == list(PALETTE.colors)
    assert "car.pdf" in result.output


def test_export_takes_the_format_from_the_extension(svg_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(svg_file), str(tmp_path / "c.svg"), "--size", "4in"])
    assert result.exit_code == 0, result.output
    assert etree.fromstring((tmp_path / "c.svg").read_bytes()).get("width") == "4in"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--to", "tiff", "unknown export format 'tiff'"),
        ("--size", "3 parsecs", "is not understood"),
        ("--stacking", "piled", "use stacked or cutout"),
        ("--dpi", "0", "dpi 0.0 is out of range"),
        ("--size", "photo", "photo's size"),
    ],
)
def test_bad_export_options_are_one_line_exit_3(
    svg_file: Path, tmp_path: Path, option: str, value: str, message: str
) -> None:
    result = runner.invoke(app, ["export", str(svg_file), str(tmp_path / "x.pdf"), option, value])
    assert result.exit_code == 3
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_process_writes_the_formats_asked_for_at_the_photo_size(
    car_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "car.svg"
    result = runner.invoke(
        app,
        [
            *("process", str(car_path), str(out), "--format", "svg", "--format", "pdf"),
            *("--size", "photo", "--stacking", "cutout", "--report", str(tmp_path / "r.json")),
            *FAST,
        ],
    )
    assert result.exit_code == 0, result.output
    photo = json.loads((tmp_path / "r.json").read_text())["input"]["original_size"]
    root = etree.fromstring(out.read_bytes())
    assert [root.get("width"), root.get("height")] == [str(v) for v in photo]
    assert pdf_facts(out.with_suffix(".pdf").read_bytes()).size[0] == pytest.approx(photo[0] * 0.75)


def test_batch_writes_the_formats_for_every_photo(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    cv2.imwrite(str(source / "a.png"), cv2.cvtColor(draw_car(384, 240), cv2.COLOR_RGB2BGR))
    result = runner.invoke(
        app, ["batch", str(source), str(tmp_path / "out"), "--format", "dxf", *FAST]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "a.svg").is_file()
    assert dxf_facts((tmp_path / "out" / "a.dxf").read_bytes()).closed > 0


def test_batch_refuses_a_bad_format_before_any_work(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(tmp_path), str(tmp_path / "o"), "--format", "bmp"])
    assert result.exit_code == 3 and "unknown export format 'bmp'" in result.output


def test_an_output_name_without_a_format_extension_gets_an_svg(
    svg_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "drawing.out"
    result = runner.invoke(app, ["export", str(svg_file), str(target), "--stacking", "cutout"])
    assert result.exit_code == 0, result.output
    assert etree.fromstring(target.read_bytes()).tag.endswith("svg")
