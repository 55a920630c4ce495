"""What the quality checks found, as typed results; ``to_dict`` gives the report's ``qa`` section
(``qa.json``, the API's results), whose keys and their order are part of the contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SvgAudit:
    """What the palette and stroke audit of one SVG found.

    ``shapes``: drawn elements; ``filled_shapes``: those with a fill. ``palette_compliance``:
    share of painted fills and strokes that are exact palette colours at full opacity.
    ``stroke_compliance``: share of painted shapes with the required outline.
    """

    shapes: int = 0
    filled_shapes: int = 0
    colors_used: list[str] = field(default_factory=list)
    off_palette: list[str] = field(default_factory=list)
    bad_strokes: int = 0
    palette_compliance: float = 1.0
    stroke_compliance: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "shapes": self.shapes,
            "colors_used": self.colors_used,
            "off_palette_colors": self.off_palette[:20],
            "palette_compliance": round(self.palette_compliance, 4),
            "stroke_compliance": round(self.stroke_compliance, 4),
        }


@dataclass(frozen=True)
class SubjectFit:
    """Whether the drawing is of the chosen vehicle: ``found`` a vehicle (or a hint box), and
    the share of the drawing ``inside`` its box (None when none was found)."""

    found: bool
    inside: float | None
    failures: tuple[str, ...]


@dataclass(frozen=True)
class QAResult:
    """The style guide's checks of one attempt. ``failures`` are plain sentences; a figure is
    None when its check did not run (QA switched off, phase IV off, no subject, no text check).
    ``silhouette_iou`` and ``detail_loss`` are rounded to 4 places, as reported."""

    failures: tuple[str, ...]
    detail_loss: float
    skipped: bool = False
    silhouette_iou: float | None = None
    silhouette_too_low: bool = False
    subject: SubjectFit | None = None
    audit: SvgAudit | None = None
    text_remaining: tuple[str, ...] | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self, attempts: int | None = None) -> dict[str, Any]:
        """The report's ``qa`` section; ``attempts``: how many runs the retry policy made."""
        out: dict[str, Any] = {
            "passed": self.passed,
            "failures": list(self.failures),
            "detail_loss": self.detail_loss,
        }
        if self.skipped:
            out["skipped"] = True
        if self.silhouette_iou is not None:
            out["silhouette_iou"] = self.silhouette_iou
        if self.subject is not None:
            out["subject_found"] = self.subject.found
            if self.subject.inside is not None:
                out["inside_subject"] = self.subject.inside
        if self.audit is not None:
            out.update(self.audit.to_dict())
        if self.text_remaining is not None:
            out["text_remaining"] = list(self.text_remaining)
        if attempts is not None:
            out["attempts"] = attempts
        return out
