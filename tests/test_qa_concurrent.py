"""QA's text check reads the rendering in a thread while the PNG preview renders (issue 17)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from v2v.config import load_config
from v2v.context import RunContext


def _recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[tuple[str, str, float]], threading.Event]:
    """(what, thread name, time) of every text check and preview rendering, in order; and the
    event a preview sets when it begins (a stand-in for the preview sets it too)."""
    from v2v import pipeline as pipeline_module
    from v2v import qa as qa_module

    events: list[tuple[str, str, float]] = []
    read, render = qa_module.text_left, pipeline_module.render_preview
    started = threading.Event()  # the preview began rendering

    def reading(*args: object, **kwargs: object) -> list[str]:
        events.append(("read", threading.current_thread().name, time.perf_counter()))
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.2)  # in the caller's thread nothing can render meanwhile
        else:  # a reading in its own thread ends after the preview began, or after 10 s
            started.wait(10.0)  # (not a fixed sleep: a busy machine lost that race)
        found = read(*args, **kwargs)  # type: ignore[arg-type]
        events.append(("read done", threading.current_thread().name, time.perf_counter()))
        return found

    def rendering(*args: object, **kwargs: object) -> bytes:
        events.append(("preview", threading.current_thread().name, time.perf_counter()))
        started.set()
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(qa_module, "text_left", reading)
    monkeypatch.setattr(pipeline_module, "render_preview", rendering)
    return events, started


def test_the_preview_renders_while_the_text_check_reads_with_the_same_results(
    car_image: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v.cpu import ENV
    from v2v.pipeline import Pipeline

    monkeypatch.setenv(ENV, "2")
    events, _ = _recorded(monkeypatch)
    both = Pipeline(load_config()).run(car_image)
    (kind, reader, _), (preview, painter, _), (done, _, _) = events
    assert (kind, preview, done) == ("read", "preview", "read done")  # overlapped
    assert reader == "v2v-qa-text" and painter == threading.current_thread().name
    events.clear()
    one_by_one = Pipeline(load_config(overrides=["qa.concurrent=false"])).run(car_image)
    assert [e[0] for e in events] == ["read", "read done", "preview"]
    assert events[0][1] == threading.current_thread().name
    assert both.svg == one_by_one.svg and both.preview_png == one_by_one.preview_png
    qa, qa_alone = both.report["qa"], one_by_one.report["qa"]
    assert qa == qa_alone and "text_remaining" in qa
    assert "preview" in both.report["timings"]


def test_one_thread_or_no_preview_reads_in_the_caller_s_thread(
    car_image: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v.cpu import ENV
    from v2v.pipeline import Pipeline

    events, _ = _recorded(monkeypatch)
    monkeypatch.setenv(ENV, "2")
    lazy = Pipeline(load_config()).run(car_image, preview=False)
    assert [e[0] for e in events] == ["read", "read done"]  # nothing to overlap: no thread
    assert events[0][1] == threading.current_thread().name
    events.clear()
    monkeypatch.setenv(ENV, "1")  # one of two batch workers on two cores
    Pipeline(load_config()).run(car_image)
    assert [e[0] for e in events] == ["read", "read done", "preview"]
    assert lazy.preview_png  # rendered when read


def test_a_failing_preview_is_raised_after_the_reading_ended(
    car_image: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v import pipeline as pipeline_module
    from v2v.cpu import ENV
    from v2v.errors import StageFailed
    from v2v.pipeline import Pipeline

    monkeypatch.setenv(ENV, "2")
    events, started = _recorded(monkeypatch)

    def broken(*args: object, **kwargs: object) -> bytes:
        started.set()
        raise StageFailed("the SVG could not be rendered")

    monkeypatch.setattr(pipeline_module, "render_preview", broken)
    progress: list[tuple[str, float]] = []
    ctx = RunContext(progress=lambda phase, done, _: progress.append((phase, done)))
    with pytest.raises(StageFailed, match="could not be rendered"):
        Pipeline(load_config()).run(car_image, ctx=ctx)
    assert [e[0] for e in events] == ["read", "read done"]  # settled before the error left
    # the failure is the preview's (the service's metrics label it with the last stage)
    assert [stage for stage in ctx.timings if stage != "total"][-2:] == ["qa", "preview"]
    assert progress[-3:] == [("qa", 0.0), ("qa", 1.0), ("preview", 0.0)]


def test_the_preview_rendered_during_qa_is_reported_as_its_own_stage_after_qa(
    car_image: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA's seconds leave out the preview's (the stages add up to the total), and the
    preview's progress events follow QA's, as they do when it renders after QA."""
    from v2v import pipeline as pipeline_module
    from v2v.cpu import ENV
    from v2v.pipeline import Pipeline

    monkeypatch.setenv(ENV, "2")
    events, _ = _recorded(monkeypatch)
    render = pipeline_module.render_preview

    def slow(*args: object, **kwargs: object) -> bytes:
        time.sleep(0.4)  # longer than the reading's 0.2 s: the preview ends QA's stage
        return render(*args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(pipeline_module, "render_preview", slow)
    progress: list[tuple[str, float]] = []
    ctx = RunContext(progress=lambda phase, done, _: progress.append((phase, done)))
    timings = Pipeline(load_config()).run(car_image, ctx=ctx).report["timings"]
    assert [e[0] for e in events][:2] == ["read", "preview"]  # it did render during QA
    assert progress[-4:] == [("qa", 0.0), ("qa", 1.0), ("preview", 0.0), ("preview", 1.0)]
    assert list(timings)[-3:] == ["qa", "preview", "total"]
    assert timings["preview"] >= 0.4
    stages = sum(seconds for stage, seconds in timings.items() if stage != "total")
    assert stages <= timings["total"] + 0.001  # the preview's seconds counted once
