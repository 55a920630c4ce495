"""benchmarks/phase1_variants.py: a variant's constants are set for its run and put back."""

from __future__ import annotations

import pytest
from benchmarks.phase1_variants import applier, parse_variant, report, vehicle

from v2v.stages.sanitize import couplings, grabcut, long_vehicle


def test_a_variant_sets_its_constants_and_the_defaults_come_back() -> None:
    defaults = (grabcut.GRABCUT_SIDE, grabcut.GRABCUT_ITERATIONS)
    name, settings = parse_variant("small=grabcut.GRABCUT_SIDE:400,grabcut.GRABCUT_ITERATIONS:7")
    assert name == "small"
    apply = applier({"base": [], "small": settings})
    try:
        apply("small")
        assert (grabcut.GRABCUT_SIDE, grabcut.GRABCUT_ITERATIONS) == (400, 7)
        apply("base")
        assert defaults == (grabcut.GRABCUT_SIDE, grabcut.GRABCUT_ITERATIONS)
    finally:
        apply("base")


def test_an_unknown_constant_is_refused() -> None:
    with pytest.raises(SystemExit, match="GRABCUT_SIZE"):
        parse_variant("typo=grabcut.GRABCUT_SIZE:400")


def test_the_vehicle_is_the_stem_before_on() -> None:
    assert vehicle("composite_pink_tricycle_on_flower-bed") == "pink_tricycle"


def test_a_constant_imported_by_value_is_set_where_it_was_imported_too() -> None:
    """long_vehicle and couplings did ``from ...grabcut import GRABCUT_SIDE``: setting grabcut's
    alone would leave theirs at the default."""
    default = grabcut.GRABCUT_SIDE
    apply = applier(dict([("base", []), parse_variant("gc400=grabcut.GRABCUT_SIDE:400")]))
    try:
        apply("gc400")
        assert {grabcut.GRABCUT_SIDE, long_vehicle.GRABCUT_SIDE, couplings.GRABCUT_SIDE} == {400}
        apply("base")
        assert long_vehicle.GRABCUT_SIDE == couplings.GRABCUT_SIDE == default
    finally:
        apply("base")


@pytest.mark.parametrize(
    ("variant", "where"),
    [
        ("sal160=saliency.INPUT_SIDE:160", "saliency:"),  # probability(side=INPUT_SIDE)
        ("bins6=colour_vote.COLOUR_BINS:6", "colour_vote:"),
        ("open=frame.OPEN_FRAME:0.8", "subject:"),  # subject's defaults, imported by value
    ],
)
def test_a_constant_read_when_the_modules_are_imported_is_refused(variant: str, where: str) -> None:
    """A default argument keeps the value it had at import: the variant would run the defaults."""
    with pytest.raises(SystemExit, match=f"read when the modules are imported .*{where}"):
        parse_variant(variant)


def test_a_variant_that_changed_no_mask_is_said_to_be_identical(
    capsys: pytest.CaptureFixture[str],
) -> None:
    scores = {
        "base": {"composite_bus_on_a": 0.9, "composite_bus_on_b": 0.8},
        "same": {"composite_bus_on_a": 0.9, "composite_bus_on_b": 0.8},
        "other": {"composite_bus_on_a": 0.9, "composite_bus_on_b": 0.8},
    }
    seconds = {name: [1.0, 1.0] for name in scores}
    report(scores, seconds, seconds, {"base": True, "same": True, "other": False})
    lines = {line.split(":")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "identical to the defaults on every photo" in lines["same"]
    assert "identical" not in lines["other"] and "keeps the rule" in lines["other"]
