"""The PNG preview rendered during QA's text check (``qa.concurrent``), reported as a stage of
its own: the preview's rendering runs inside the ``qa`` stage (``qa.run_checks`` calls it
while the recogniser reads the rendering in a thread), but the run's timings, progress events
and failures show it as the user expects, the ``preview`` stage after ``qa``:

- ``qa``'s seconds are the stage's wall seconds less the preview's (the stages add up to the
  run's ``total``; the service's per-phase histograms count the preview once);
- the ``preview`` events (0 then 1) follow ``qa``'s;
- a preview that failed is raised in the ``preview`` stage, after QA has ended, so the last
  stage of the run's timings (what ``service/metrics.py`` labels a failure with) is
  ``preview``."""

from __future__ import annotations

import time
from collections.abc import Callable

from v2v.artefacts import PalettedImage, StyledImage, VectorArt
from v2v.context import RunContext

#: renders the PNG preview of an attempt's (art, paletted, styled)
Render = Callable[[VectorArt | None, PalettedImage | None, StyledImage], bytes]


class EarlyPreview:
    """The one attempt's preview, rendered when QA calls it (a ``retry.Preview``) and reported
    by :meth:`settle` after the ``qa`` stage."""

    def __init__(self, render: Render) -> None:
        self._render = render
        self.png: bytes | None = None
        self.art: VectorArt | None = None
        self.error: Exception | None = None
        self.seconds = 0.0
        self.rendered = False

    def __call__(
        self, styled: StyledImage, paletted: PalettedImage | None, art: VectorArt | None
    ) -> None:
        """Render (no stage, no events: QA's stage is open); an error is kept for settle."""
        started = time.perf_counter()
        try:
            self.png = self._render(art, paletted, styled)
        except Exception as exc:  # noqa: BLE001 - raised in the preview's own stage by settle
            self.error = exc
        finally:
            self.seconds = time.perf_counter() - started
            self.art, self.rendered = art, True

    def settle(self, ctx: RunContext, art: VectorArt | None) -> bytes | None:
        """The PNG rendered for ``art`` (None when it was not rendered, or for another
        drawing), with ``qa``'s seconds less the preview's and the ``preview`` stage reported
        after ``qa`` (its events, its seconds, its error raised)."""
        if not self.rendered or self.art is not art:
            return None
        if "qa" in ctx.timings:
            ctx.timings["qa"] = round(max(0.0, ctx.timings["qa"] - self.seconds), 4)
        entered = False
        try:
            with ctx.stage("preview"):
                entered = True
                if self.error is not None:
                    raise self.error
        finally:
            if entered:  # the stage's seconds are the rendering's, not this call's
                ctx.timings["preview"] = round(self.seconds, 4)
        return self.png
