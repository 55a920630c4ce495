"""Phase I removes lettering, not a third of the vehicle: an unread "text line" as tall as half
the vehicle is the text detector seeing a smooth gradient (an airliner's fuselage against the
sky was inpainted with sky, and a yacht's hull cut in two by a straight edge)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.artefacts import Box
from v2v.config import InputConfig, Phase1Config, load_config
from v2v.context import RunContext
from v2v.imaging import decode
from v2v.pipeline import Pipeline
from v2v.stages.sanitize.classical import ClassicalSanitizer
from v2v.stages.sanitize.regions import looks_like_text
from v2v.stages.sanitize.text import TextBox

AIRLINER = SAMPLES.parent / "devset" / "composite_airliner_on_gravel-desert.jpg"


def line(height: int, text: str = "") -> TextBox:
    box = Box(100, 200, 100 + 4 * height, 200 + height)
    return TextBox(box, 0.7, text, np.zeros((4, 2), np.float32))


def test_an_unread_line_taller_than_lettering_on_the_vehicle_is_not_text() -> None:
    assert looks_like_text(line(30), vehicle_height=200)  # a band of lettering on a panel
    assert not looks_like_text(line(150), vehicle_height=200)  # three quarters of the vehicle
    assert looks_like_text(line(150, "FIRE RESCUE"), vehicle_height=200)  # read: it is text
    assert looks_like_text(line(150))  # no vehicle height given: the shape alone decides


@pytest.mark.skipif(not AIRLINER.is_file(), reason="shared devset not available")
def test_the_airliners_fuselage_is_not_inpainted_as_text() -> None:
    photo = decode(AIRLINER, InputConfig())
    clean = ClassicalSanitizer(Phase1Config()).run(photo, RunContext())
    vehicle = clean.vehicle_mask
    removed = float((clean.removed_mask & vehicle).sum()) / float(vehicle.sum())
    assert removed < 0.05, f"{removed:.0%} of the airliner was removed as text"
    rows = np.flatnonzero(vehicle.any(axis=1))
    for removal in clean.removals:
        assert removal.box.y1 - removal.box.y0 <= 0.4 * (rows[-1] - rows[0] + 1), removal


def test_a_read_line_taller_than_the_vehicle_is_not_text() -> None:
    assert not looks_like_text(line(250, "GQ"), vehicle_height=200)  # the whole bicycle, read
    assert looks_like_text(line(150, "GQ"), vehicle_height=200)  # read, within the vehicle


LOWRIDERS = [
    SAMPLES.parent / "devset" / f"composite_lowrider_bicycle_on_{background}.jpg"
    for background in ("garden-rock", "the-movies")
]


@pytest.mark.parametrize("photo", LOWRIDERS, ids=lambda p: p.stem.rsplit("_on_", 1)[-1])
def test_a_lowrider_bicycle_is_drawn_with_its_gold_not_erased_as_text(photo: Path) -> None:
    """The text detector saw the whole bicycle (its spoked wheels) as one line read "OTO" or
    "GQ"; inpainting it erased the bicycle, drawn as one flat grey silhouette."""
    if not photo.is_file():
        pytest.skip("shared devset not available")
    result = Pipeline(load_config(overrides=["qa.check_text=false"]), "default").run(photo)
    assert result.paletted is not None and result.svg is not None
    shares = {c["name"]: c["share"] for c in result.paletted.notes["colors_used"]}
    assert shares.get("Gold", 0.0) >= 0.2, shares  # brass wheels, spokes and parts
    assert len(shares) >= 3, shares
    assert "#FFD700" in result.svg.upper()
    assert result.clean.notes["removed_fraction"] < 0.05
