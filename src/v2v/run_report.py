"""The report of a run (``Result.report``, what ``v2v process --report`` writes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from v2v import __version__
from v2v.artefacts import CleanImage, Photo
from v2v.retry import Attempt

if TYPE_CHECKING:
    from v2v.pipeline import Pipeline


def run_report(
    pipeline: Pipeline,
    photo: Photo,
    clean: CleanImage,
    best: Attempt,
    attempts: int,
    timings: dict[str, float],
) -> dict[str, Any]:
    """The report of one run (``Result.report``): its input, palette, timings, each phase's
    notes, what phase I removed and what it could not, and QA of the ``best`` of ``attempts``."""
    styled, paletted, art = best.styled, best.paletted, best.art
    phases: dict[str, Any] = {
        "phase1": {**clean.notes, "detail_loss": round(clean.detail_loss, 4)},
        "phase2": dict(styled.notes),
        "phase3": dict(paletted.notes) if paletted is not None else {"skipped": True},
        "phase4": (
            {
                **art.notes,
                "paths": art.path_count,
                "layers": [vars(layer) for layer in art.layers],
            }
            if art is not None
            else {"skipped": True}
        ),
    }
    return {
        "version": __version__,
        "input": {
            "name": photo.name,
            "original_size": list(photo.original_size),
            "working_size": list(photo.size),
            "hint": photo.hint.as_list() if photo.hint else None,
        },
        "palette": pipeline.palette.to_dict(),
        "stroke_color": pipeline.stroke_color,
        "timings": dict(timings),
        "phases": phases,
        "removed": [
            {"kind": r.kind, "box": r.box.as_list(), "score": round(r.score, 3), "text": r.text}
            for r in clean.removals
        ],
        "not_removed": list(clean.limitations),
        "qa": best.qa.to_dict(attempts),
    }
