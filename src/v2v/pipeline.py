"""The pipeline: photo → sanitize → stylize → palette → vectorize → QA.

``Pipeline.run`` reads like the data flow; each phase is also callable on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from v2v.artefacts import Box, CleanImage, PalettedImage, Photo, StyledImage, VectorArt
from v2v.color.palette import Palette
from v2v.config import Config, load_config
from v2v.context import RunContext
from v2v.early_preview import EarlyPreview
from v2v.errors import InputError, QualityCheckFailed
from v2v.imaging import ImageSource, decode, encode_png
from v2v.qa import run_checks
from v2v.qa_result import QAResult
from v2v.retry import Attempt, Preview, run_attempts
from v2v.run_report import run_report
from v2v.stages import PALETTE_MAPPERS, SANITIZERS, STYLIZERS, VECTORIZERS
from v2v.svg.render import render_preview


@dataclass(frozen=True)
class Result:
    """What one run produced. ``svg`` is None when phase IV was switched off.

    ``preview_png`` is rendered when the run asked for it (the default) or, with
    ``Pipeline.run(..., preview=False)``, the first time it is read: a caller that writes only
    the SVG never pays for the 2048 px rendering.
    """

    svg: str | None
    report: dict[str, Any]
    photo: Photo
    clean: CleanImage
    styled: StyledImage
    paletted: PalettedImage | None
    art: VectorArt | None
    qa: QAResult
    render_preview: Callable[[], bytes] = field(repr=False, compare=False)

    @cached_property
    def preview_png(self) -> bytes:
        return self.render_preview()

    def __getstate__(self) -> dict[str, Any]:
        """A pickled result carries its preview (rendered now if it was not), not the closure."""
        state = dict(self.__dict__)
        state["preview_png"] = self.preview_png
        state["render_preview"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def save(
        self,
        svg_path: str | Path | None = None,
        png_path: str | Path | None = None,
        report_path: str | Path | None = None,
    ) -> None:
        import json

        if svg_path is not None:
            if self.svg is None:
                raise InputError(
                    "phase4 is switched off, so there is no SVG to save; "
                    "save the PNG preview instead"
                )
            Path(svg_path).write_text(self.svg, encoding="utf-8")
        if png_path is not None:
            Path(png_path).write_bytes(self.preview_png)
        if report_path is not None:
            Path(report_path).write_text(json.dumps(self.report, indent=2), encoding="utf-8")

    def save_intermediates(self, directory: str | Path) -> list[Path]:
        """Write each stage's artefact as PNG into ``directory``; returns the paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        images: dict[str, NDArray[np.uint8]] = {
            "phase0_input.png": self.photo.pixels,
            "phase1_clean.png": self.clean.pixels,
            "phase1_vehicle_mask.png": self.clean.vehicle_mask.astype(np.uint8) * 255,
            "phase1_removed_mask.png": self.clean.removed_mask.astype(np.uint8) * 255,
            "phase2_styled.png": self.styled.to_rgba(),
            "phase2_edges.png": self.styled.edges,
        }
        if self.paletted is not None:
            images["phase3_paletted.png"] = self.paletted.to_rgba()
        written = []
        for name, pixels in images.items():
            path = out / name
            path.write_bytes(encode_png(pixels))
            written.append(path)
        return written


class Pipeline:
    """The four phases with one config and one palette. Thread-compatible: use one per thread."""

    def __init__(
        self, config: Config | None = None, palette: Palette | str | list[str] | None = None
    ) -> None:
        self.config = config or load_config()
        self.palette = Palette.load(palette if palette is not None else self.config.palette)
        self.stroke_color = self.config.phase4.stroke.color_in(self.palette)
        models = self.config.models
        self._sanitizer = SANITIZERS.create(self.config.phase1, models)
        self._stylizer = STYLIZERS.create(self.config.phase2, models)
        self._mapper = PALETTE_MAPPERS.create(self.config.phase3, models)
        self._vectorizer = VECTORIZERS.create(self.config.phase4, models)

    # -- single phases --------------------------------------------------------------------------

    def load(
        self,
        source: ImageSource,
        hint: Box | tuple[int, int, int, int] | None = None,
        name: str | None = None,
    ) -> Photo:
        return decode(source, self.config.input, hint=hint, name=name)

    def sanitize(self, photo: Photo, ctx: RunContext | None = None) -> CleanImage:
        ctx = ctx or RunContext(seed=self.config.seed)
        if not self.config.phase1.enabled:
            return CleanImage.as_given(
                photo,
                notes={"skipped": True},
                limitations=("phase I is switched off: nothing was removed",),
            )
        return self._sanitizer.run(photo, ctx)

    def stylize(self, clean: CleanImage, ctx: RunContext | None = None) -> StyledImage:
        ctx = ctx or RunContext(seed=self.config.seed)
        if not self.config.phase2.enabled:
            return StyledImage.as_given(clean, notes={"skipped": True})
        return self._stylizer.run(clean, ctx)

    def map_palette(
        self, styled: StyledImage, ctx: RunContext | None = None
    ) -> PalettedImage | None:
        ctx = ctx or RunContext(seed=self.config.seed)
        if not self.config.phase3.enabled:
            return None
        return self._mapper.run(styled, self.palette, ctx)

    def vectorize(
        self, styled: StyledImage, paletted: PalettedImage | None, ctx: RunContext | None = None
    ) -> VectorArt | None:
        """Trace the paletted labels (or, with phase III off, the styled pixels)."""
        ctx = ctx or RunContext(seed=self.config.seed)
        if not self.config.phase4.enabled:
            return None
        if paletted is not None:
            rgba, scale = paletted.to_rgba(), paletted.scale
        else:
            rgba, scale = styled.to_rgba(), 1.0
        return self._vectorizer.run(rgba, self.palette, styled.edges, ctx, scale=scale)

    # -- the whole run --------------------------------------------------------------------------

    def run(
        self,
        source: ImageSource,
        hint: Box | tuple[int, int, int, int] | None = None,
        ctx: RunContext | None = None,
        name: str | None = None,
        preview: bool = True,
    ) -> Result:
        """The whole run. ``preview=False`` leaves the PNG preview to be rendered on first use
        (``Result.preview_png``); its time then is not in the report's timings."""
        ctx = ctx or RunContext(seed=self.config.seed)
        started = time.perf_counter()
        from v2v.preload import start_preload

        start_preload(self.config)  # a cold process builds its models while the photo decodes
        with ctx.stage("load"):
            photo = self.load(source, hint=hint, name=name)
        with ctx.stage("phase1"):
            clean = self.sanitize(photo, ctx)
        one_attempt = self.config.qa.policy != "retry"
        early = EarlyPreview(self._preview) if preview and one_attempt else None
        attempts = run_attempts(self, clean, ctx, early)  # phases II–IV and QA, as qa.policy says
        best = attempts.best

        def render() -> bytes:  # on first read, after the run: no stage, no progress events
            return self._preview(best.art, best.paletted, best.styled)

        rendered = early.settle(ctx, best.art) if early is not None else None
        if preview and rendered is None:
            with ctx.stage("preview"):
                rendered = render()
        ctx.timings["total"] = round(time.perf_counter() - started, 4)
        report = run_report(self, photo, clean, best, len(attempts.made), ctx.timings)
        if not best.qa.passed and self.config.qa.policy == "fail":
            raise QualityCheckFailed("quality checks failed: " + "; ".join(best.qa.failures))
        svg = best.art.svg if best.art else None
        result = Result(
            svg, report, photo, clean, best.styled, best.paletted, best.art, best.qa, render
        )
        if rendered is not None:
            result.__dict__["preview_png"] = rendered  # cached_property's own slot
        return result

    def attempt(
        self, clean: CleanImage, ctx: RunContext, preview: Preview | None = None
    ) -> Attempt:
        """Phases II–IV on ``clean`` and the quality checks of the result. ``preview`` is
        called with the attempt's artefacts during QA, while its text check reads the
        rendering in a thread (``qa.run_checks``): the preview's rendering holds the GIL, the
        recogniser's ONNX runs do not, so the two overlap (``EarlyPreview`` then reports the
        preview as a stage of its own, after ``qa``)."""
        with ctx.stage("phase2"):
            styled = self.stylize(clean, ctx)
        with ctx.stage("phase3"):
            paletted = self.map_palette(styled, ctx)
        with ctx.stage("phase4"):
            art = self.vectorize(styled, paletted, ctx)
        with ctx.stage("qa"):
            meanwhile = None
            if preview is not None:

                def meanwhile() -> object:
                    return preview(styled, paletted, art)

            qa = run_checks(self.config, self.palette, clean, art, meanwhile)
        return Attempt(styled, paletted, art, qa)

    def with_config(self, config: Config) -> Pipeline:
        """A pipeline with another config and this palette (the retry policy's gentler one)."""
        return Pipeline(config, self.palette)

    def _preview(
        self, art: VectorArt | None, paletted: PalettedImage | None, styled: StyledImage
    ) -> bytes:
        long_side = self.config.output.preview_long_side
        if art is not None:
            return render_preview(
                art.svg, art.width, art.height, long_side, self.config.phase4.background
            )
        from v2v.imaging import resize_long_side

        rgba = paletted.to_rgba() if paletted is not None else styled.to_rgba()
        return encode_png(resize_long_side(rgba, long_side))


def convert(
    source: ImageSource,
    config: Config | str | Path | None = None,
    palette: Palette | str | list[str] | None = None,
    hint: Box | tuple[int, int, int, int] | None = None,
    overrides: dict[str, Any] | list[str] | None = None,
    ctx: RunContext | None = None,
) -> Result:
    """Convert one vehicle photo (path, bytes or RGB/RGBA uint8 array) into an SVG.

    Returns a :class:`Result` with ``svg`` (text), ``preview_png`` (bytes) and ``report``.
    """
    if not isinstance(config, Config):
        config = load_config(config, overrides=overrides)
    elif overrides:
        config = config.with_overrides(overrides)
    return Pipeline(config, palette).run(source, hint=hint, ctx=ctx)
