"""The QA policy over whole attempts (``qa.policy``): ``warn`` and ``fail`` take one attempt;
``retry`` reruns phases II–IV with a pipeline that removes less detail while the silhouette
is too low, at most ``qa.max_retries`` times, and keeps the attempt with the best silhouette."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from v2v.artefacts import CleanImage, PalettedImage, StyledImage, VectorArt
from v2v.config import Config, Phase2Config, Phase3Config, Phase4Config
from v2v.context import RunContext
from v2v.qa_result import QAResult

if TYPE_CHECKING:
    from v2v.pipeline import Pipeline


#: called with an attempt's phase II–IV artefacts while its QA reads the rendering
Preview = Callable[[StyledImage, PalettedImage | None, VectorArt | None], object]


@dataclass(frozen=True)
class Attempt:
    """Phases II–IV and the quality checks of one attempt."""

    styled: StyledImage
    paletted: PalettedImage | None
    art: VectorArt | None
    qa: QAResult


@dataclass(frozen=True)
class Attempts:
    """Every attempt the policy made, in order, and the one it keeps."""

    made: tuple[Attempt, ...]

    @property
    def best(self) -> Attempt:
        """The highest silhouette IoU (the first of equals; no figure counts as 0)."""
        return max(self.made, key=lambda a: a.qa.silhouette_iou or 0.0)


def run_attempts(
    pipeline: Pipeline, clean: CleanImage, ctx: RunContext, preview: Preview | None = None
) -> Attempts:
    """Attempt phases II–IV on ``clean`` as ``pipeline.config.qa`` says (see the module);
    ``preview`` is given the first attempt's drawing during its QA (``Pipeline.attempt``)."""
    policy = pipeline.config.qa
    made = [pipeline.attempt(clean, ctx, preview)]
    while policy.policy == "retry" and len(made) <= policy.max_retries:
        if made[-1].qa.passed or not made[-1].qa.silhouette_too_low:
            break  # gentler simplification only helps the silhouette
        pipeline = pipeline.with_config(gentler(pipeline.config))
        made.append(pipeline.attempt(clean, ctx))
    return Attempts(tuple(made))


def gentler(config: Config) -> Config:
    """The config of an attempt that removes less detail: half the minimum areas and speckle
    filter (those of the CPU stylizer, the CIEDE2000 mapper and the vtracer vectorizer when
    they are used)."""
    changes: dict[str, Any] = {}
    if isinstance(config.phase3, Phase3Config):
        changes["phase3.min_area_percent"] = config.phase3.min_area_percent / 2
    if isinstance(config.phase4, Phase4Config):
        changes["phase4.min_path_area"] = config.phase4.min_path_area / 2
        speckle = max(1, config.phase4.vtracer.filter_speckle // 2)
        changes["phase4.vtracer.filter_speckle"] = speckle
    if isinstance(config.phase2, Phase2Config):  # the SDXL backend has no flattening step
        min_region = config.phase2.flatten.min_region_percent / 2
        changes["phase2.flatten.min_region_percent"] = min_region
    return config.with_overrides(changes)
