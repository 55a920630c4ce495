"""Load the CPU pipeline's models in a background thread while the photo is decoded.

A cold process spends most of a second building the text detector alone (rapidocr reads its
settings through OmegaConf, pure Python) before phase I's other models are even asked for.
:func:`start_preload` builds the process-wide models a config will use, the one needed last
(text) first, in a daemon thread; the pipeline's own calls of ``shared()`` then find them
built, or wait on the same lock for the build under way (never a second copy). ``Pipeline.run``
starts it, before decoding the photo. onnxruntime
releases the GIL while it runs, so phase I's first model runs overlap the text detector's
set-up. A model that cannot load is left alone here: the pipeline's own call raises its
clear error. In a warm process every model is already built and the thread ends at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from v2v.config import Config, Phase1Config


def _loaders(config: Config) -> list[Callable[[], object]]:
    """``shared()`` of each model the run will use and is not built yet, the one it needs
    last first."""
    from v2v.stages.sanitize.detector import ObjectDetector
    from v2v.stages.sanitize.saliency import SaliencyModel
    from v2v.stages.sanitize.text import TextDetector

    phase1 = config.phase1 if isinstance(config.phase1, Phase1Config) else None
    loaders: list[Callable[[], object]] = []
    wants_text = config.qa.enabled and config.qa.check_text and config.phase4.enabled
    if phase1 is not None and phase1.enabled:
        wants_text = wants_text or phase1.text_removal.enabled
    if wants_text:
        loaders.append(TextDetector.shared)
    if phase1 is not None and phase1.enabled:
        if phase1.vehicle_mask.enabled:
            loaders.append(SaliencyModel.shared)
        if phase1.detector.enabled:
            loaders.append(ObjectDetector.shared)
    return [load for load in loaders if not _built(load)]


def _built(load: Callable[[], object]) -> bool:
    """True when the class of the bound ``shared`` method already holds its model."""
    return getattr(getattr(load, "__self__", None), "_shared", None) is not None


def _load_all(loaders: list[Callable[[], object]]) -> None:
    for load in loaders:
        try:
            load()
        except Exception:  # noqa: BLE001 - the pipeline's own call raises it, clearly
            continue


def start_preload(config: Config) -> threading.Thread | None:
    """Start building the models ``config`` will use; None when it uses none or all are built
    (a warm process starts no thread). Called by ``Pipeline.run``, not by the constructor: a
    Pipeline made only to check a config (``v2v batch`` does, before its workers start) loads
    nothing, and no thread holds a model's lock while a process forks."""
    loaders = _loaders(config)
    if not loaders:
        return None
    thread = threading.Thread(
        target=_load_all, args=(loaders,), name="v2v-preload-models", daemon=True
    )
    thread.start()
    return thread
