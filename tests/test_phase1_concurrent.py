"""Phase I's independent steps side by side (``phase1.concurrent``): what one after another
finds, found with the steps overlapping."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tests.conftest import SAMPLES
from v2v.config import InputConfig, Phase1Config
from v2v.imaging import decode
from v2v.stages.sanitize.beside import Beside
from v2v.stages.sanitize.classical import ClassicalSanitizer

FIRE_TRUCK = SAMPLES / "composite_fire_truck_on_route66.jpg"


def test_a_step_beside_gives_its_value_or_its_error_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caller = threading.get_ident()
    ran_in: list[int] = []

    def work() -> int:
        ran_in.append(threading.get_ident())
        return 7

    monkeypatch.setenv("V2V_CPU_THREADS", "2")
    assert Beside(work, concurrent=True).result() == 7
    assert Beside(work, concurrent=False).result() == 7
    monkeypatch.setenv("V2V_CPU_THREADS", "1")  # no core to spare: one after another
    assert Beside(work, concurrent=True).result() == 7
    assert ran_in[0] != caller and ran_in[1] == caller and ran_in[2] == caller

    def fails() -> int:
        raise ValueError("no model")

    for concurrent in (True, False):
        with pytest.raises(ValueError, match="no model"):
            Beside(fails, concurrent).result()


def sanitizer(concurrent: bool) -> ClassicalSanitizer:
    return ClassicalSanitizer(Phase1Config(concurrent=concurrent))


def test_the_detector_beside_the_coarse_look_finds_the_same_subject(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("V2V_CPU_THREADS", "2")  # a core to spare, on any machine
    photo = decode(FIRE_TRUCK, InputConfig())
    apart, beside = {}, {}  # type: ignore[var-annotated]
    subject, detections, coarse = sanitizer(False)._subject(photo, apart)
    subject2, detections2, coarse2 = sanitizer(True)._subject(photo, beside)
    assert subject is not None and subject2 is not None and subject.box == subject2.box
    assert [(d.label, d.box, d.score) for d in detections] == [
        (d.label, d.box, d.score) for d in detections2
    ]
    assert coarse is not None and coarse2 is not None and np.array_equal(coarse, coarse2)
    assert list(apart) == list(beside) == ["detect", "saliency_coarse"]
    assert beside["detect"] > 0.0
