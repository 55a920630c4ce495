"""The picture-quality gate (see ``docs/testing.md``): each composite of the shared samples and
devset converted end to end, its SVG silhouette held above the photo's floor against the true
mask, fills and outlines 100 % palette- and style-true, and no readable text left on the one
photo converted with QA's text check on. Floors live in ``floors.json``; raise them with
``benchmarks/quality_floors.py --write`` when quality improves (it never lowers one)."""

from __future__ import annotations

import statistics

import pytest

from tests.quality.gate import (
    MARGIN,
    TEXT_CHECKED,
    TEXT_PHOTO,
    Scored,
    photos,
    read_floors,
    score,
    text_photo_report,
)

PHOTOS = photos()
pytestmark = pytest.mark.skipif(not PHOTOS, reason="../shared photos not available")


@pytest.fixture(scope="module")
def scored() -> dict[str, Scored]:
    return score(PHOTOS)


def test_every_composite_has_a_floor() -> None:
    floors = read_floors()
    missing = sorted({p.stem for p in PHOTOS} - floors.keys())
    assert not missing, f"no quality floor for {missing}: run benchmarks/quality_floors.py --write"


@pytest.mark.parametrize("stem", [p.stem for p in PHOTOS])
def test_the_silhouette_stays_above_its_floor(scored: dict[str, Scored], stem: str) -> None:
    floor = read_floors()[stem]
    got = scored[stem]
    assert got.iou >= floor, f"{stem}: silhouette IoU {got.iou:.4f} fell below its floor {floor}"
    assert got.palette == 1.0 and got.stroke == 1.0, f"{stem}: off-palette fill or bad outline"


def test_the_medians_hold(scored: dict[str, Scored]) -> None:
    """The sets' medians, not only each photo: a broad slide of 0.01 everywhere fails here."""
    floors = read_floors()
    got = statistics.median(s.iou for s in scored.values())
    want = statistics.median(floors[s] for s in scored) + MARGIN / 2
    assert got >= want, f"median silhouette IoU {got:.4f} < {want:.4f}"


def test_the_text_checked_run_finds_no_text(scored: dict[str, Scored]) -> None:
    checked = scored[TEXT_CHECKED]
    assert checked.text_checked, "QA's text check did not run"
    assert checked.text_left == (), f"text still readable in the SVG: {checked.text_left}"


@pytest.mark.skipif(not TEXT_PHOTO.is_file(), reason="../shared photos not available")
def test_text_and_the_plate_of_a_real_photo_are_removed_and_checked() -> None:
    report = text_photo_report()
    removed = report["removed"]
    assert isinstance(removed, list)
    kinds = [r["kind"] for r in removed]
    assert kinds.count("licence_plate") == 1 and kinds.count("text") >= 3, kinds
    qa = report["qa"]
    assert isinstance(qa, dict) and qa.get("text_remaining") == [], "QA's text check must run"
    assert qa["palette_compliance"] == 1.0 and qa["stroke_compliance"] == 1.0
