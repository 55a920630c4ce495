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

    failed_in: list[int] = []

    def fails() -> int:
        failed_in.append(threading.get_ident())
        raise ValueError("no model")

    monkeypatch.setenv("V2V_CPU_THREADS", "2")  # the error must cross from the step's thread
    for concurrent in (True, False):
        with pytest.raises(ValueError, match="no model"):
            Beside(fails, concurrent).result()
    assert failed_in[0] != caller and failed_in[1] == caller


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


def test_a_failed_look_does_not_leave_the_detector_running(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the coarse look fails, its error reaches the caller and the detector's thread has
    ended by then (nothing writes the report's timings after phase I has given up)."""
    monkeypatch.setenv("V2V_CPU_THREADS", "2")
    from v2v.stages.sanitize import classical

    ended = threading.Event()

    class SlowDetector:
        def detect(
            self, pixels: object, min_score: float, weak_score: float | None = None
        ) -> list[object]:
            ended.wait(0.2)
            ended.set()
            return []

    class BrokenLook:
        def probability(self, pixels: object, side: int) -> object:
            raise RuntimeError("saliency model broke")

    monkeypatch.setattr(classical.ObjectDetector, "shared", lambda: SlowDetector())
    monkeypatch.setattr(classical.SaliencyModel, "shared", lambda: BrokenLook())
    photo = decode(FIRE_TRUCK, InputConfig())
    with pytest.raises(RuntimeError, match="saliency model broke"):
        sanitizer(True)._subject(photo, {})
    assert ended.is_set()
