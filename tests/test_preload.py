"""Models build in the background while the photo is decoded (cold start, issue 17)."""

from __future__ import annotations

import pytest

from v2v.config import load_config
from v2v.preload import start_preload
from v2v.stages.sanitize.detector import ObjectDetector
from v2v.stages.sanitize.saliency import SaliencyModel
from v2v.stages.sanitize.text import TextDetector


def test_the_default_pipeline_s_models_are_built_by_the_preload(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for model in (TextDetector, SaliencyModel, ObjectDetector):
        monkeypatch.setattr(model, "_shared", None)
    thread = start_preload(load_config())
    assert thread is not None
    thread.join(120)
    assert not thread.is_alive()
    assert TextDetector._shared is not None
    assert SaliencyModel._shared is not None
    assert ObjectDetector._shared is not None
    assert TextDetector.shared() is TextDetector._shared  # the pipeline gets the same one


def test_a_config_without_models_starts_nothing() -> None:
    overrides = ["phase1.enabled=false", "qa.check_text=false"]
    assert start_preload(load_config(overrides=overrides)) is None


def test_a_warm_process_starts_no_thread_and_a_checked_config_loads_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    TextDetector.shared(), SaliencyModel.shared(), ObjectDetector.shared()
    assert start_preload(load_config()) is None  # everything is built already
    from v2v.pipeline import Pipeline

    monkeypatch.setattr(TextDetector, "_shared", None)
    Pipeline(load_config())  # v2v batch makes one only to check the config
    assert TextDetector._shared is None


def test_a_run_that_does_not_ask_for_the_preview_renders_it_only_when_read(
    car_image: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v2v import pipeline as module
    from v2v.pipeline import Pipeline

    rendered: list[int] = []
    real = module.render_preview

    def counting(*args: object, **kwargs: object) -> bytes:
        rendered.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "render_preview", counting)
    pipeline = Pipeline(load_config(overrides=["qa.check_text=false"]))
    eager = pipeline.run(car_image)  # type: ignore[arg-type]
    assert rendered == [1] and "preview" in eager.report["timings"]
    lazy = pipeline.run(car_image, preview=False)  # type: ignore[arg-type]
    assert rendered == [1] and "preview" not in lazy.report["timings"]
    assert lazy.svg == eager.svg
    assert lazy.preview_png == eager.preview_png  # rendered now, the same picture
    assert lazy.preview_png is lazy.preview_png and rendered == [1, 1]
    import pickle

    copied = pickle.loads(pickle.dumps(pipeline.run(car_image, preview=False)))  # type: ignore[arg-type]
    assert copied.preview_png == eager.preview_png and copied.svg == eager.svg
