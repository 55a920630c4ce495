"""Export options as requests give them (``format``, ``size``, ``dpi``, ``stacking``,
``grouping``), validated in one place for every route that takes them: the export route
(``GET /api/v1/jobs/{id}/export``, as query parameters) and the conversion forms
(``POST /api/v1/process`` and ``/jobs``, as form fields: the job then lists the export's URL).
A bad value is a 422 ``invalid_export`` naming the accepted values, whether this module or the
request's own validation (a ``dpi`` that is no number, a ``stacking`` not in the list) refuses it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal
from urllib.parse import urlencode

from v2v.errors import InputError
from v2v.exports import FORMATS, ExportOptions
from v2v.exports.units import HELP as SIZE_HELP
from v2v.service.problems import FIELD_CODES, ApiProblem

#: the request's names of the options, in the export route's order
EXPORT_FIELDS = ("format", "size", "dpi", "stacking", "grouping")
FIELD_CODES.update(dict.fromkeys(EXPORT_FIELDS, "invalid_export"))  # also when FastAPI refuses one
Stacking = Literal["stacked", "cutout"]
Grouping = Literal["color", "none"]
DESCRIPTIONS = {
    "format": ", ".join(FORMATS),
    "size": SIZE_HELP,
    "dpi": "PNG pixels per inch (1–2400)",
    "stacking": "stacked (shapes over each other) or cutout (no overlaps)",
    "grouping": "color (one layer per colour) or none",
}


def export_options(
    format: str | None = None,
    size: str | None = None,
    dpi: float | None = None,
    stacking: str | None = None,
    grouping: str | None = None,
) -> ExportOptions:
    """The options, each left out taking the export route's default; 422 when one is bad."""
    given: dict[str, Any] = {
        name: value
        for name, value in zip(EXPORT_FIELDS, (format, size, dpi, stacking, grouping), strict=True)
        if value is not None
    }
    try:
        return ExportOptions(**given)
    except InputError as exc:
        raise ApiProblem(422, "invalid_export", str(exc)) from None


def as_params(options: ExportOptions) -> dict[str, Any]:
    """The options as a job keeps them (its ``export`` parameter)."""
    return asdict(options)


def export_url(job_id: str, params: dict[str, Any], api: str) -> str:
    """The export route's URL of a job for the options it keeps."""
    return f"{api}/jobs/{job_id}/export?{urlencode(params)}"
