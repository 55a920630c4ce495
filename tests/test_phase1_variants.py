"""benchmarks/phase1_variants.py: a variant's constants are set for its run and put back."""

from __future__ import annotations

import pytest
from benchmarks.phase1_variants import applier, parse_variant, vehicle

from v2v.stages.sanitize import grabcut


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
