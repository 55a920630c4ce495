"""The original system's contract (``../shared/REFERENCE.md``), spoken beside today's API.

Everything the original promised its clients, translated at the edge so the library and the job
store keep one vocabulary (``docs/compatibility.md`` lists every name):

- form fields ``palette_hex_list`` (exactly 15 colours, else 400) and ``config_overrides``
  (``phases.phaseN.enabled``, ``phases.phase2.controlnet.depth_weight``/``canny_weight``,
  ``phases.phase2.prompt_override``; anything else is refused, never ignored);
- job statuses: ``pending``/``processing``/``completed``/``failed`` (plus ``cancelled``) when the
  service runs with ``STATUS_NAMES=original``, today's ``queued``/``running``/``succeeded``
  otherwise; either vocabulary is accepted where a status is asked for;
- unknown form fields and query parameters are a 422 naming them and the accepted names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from fastapi import Request

from v2v.service.jobs.store import JobRecord
from v2v.service.problems import ApiProblem, json_object
from v2v.service.security.csrf import FIELD_NAME as CSRF_FIELD

ORIGINAL_PALETTE_SIZE = 15
HEX = re.compile(r"#[0-9A-Fa-f]{6}")

#: today's status → the original's
TO_ORIGINAL = {
    "queued": "pending",
    "running": "processing",
    "succeeded": "completed",
    "failed": "failed",
    "cancelled": "cancelled",
}
FROM_ORIGINAL = {original: today for today, original in TO_ORIGINAL.items()}

#: original form/query names → what to send today (a hint in the 422 for a name not accepted)
ORIGINAL_NAMES = {
    "palette_hex_list": "palette",
    "config_overrides": "overrides",
    "input_files[]": "inputs",
    "target_files[]": "targets",
    "num_epochs": "epochs",
    "image_url": "file (an upload; the service does not fetch URLs)",
}


def status_name(status: str, vocabulary: str) -> str:
    """``status`` (today's) as the ``vocabulary`` ('v2v' or 'original') names it."""
    return TO_ORIGINAL.get(status, status) if vocabulary == "original" else status


def status_filter(value: str | None) -> str | None:
    """A status asked for in either vocabulary, as today's name (None stays None)."""
    return None if value is None else FROM_ORIGINAL.get(value, value)


async def reject_unknown_fields(
    request: Request, accepted: Iterable[str], repeatable: Iterable[str] = ()
) -> None:
    """422 when the request's form has a field outside ``accepted`` (the original system's
    names are accepted only where ``accepted`` lists them; the CSRF field always is), or a
    field not in ``repeatable`` more than once (no "last one wins" in silence)."""
    allowed = {*accepted, CSRF_FIELD}
    form = await request.form()
    unknown = sorted({key for key in form if key not in allowed})
    if unknown:
        raise ApiProblem(422, "unknown_field", _unknown("form field", unknown, allowed))
    many = set(repeatable)
    twice = sorted({key for key in form if key not in many and len(form.getlist(key)) > 1})
    if twice:
        raise ApiProblem(
            422,
            "repeated_field",
            f"form field(s) {', '.join(map(repr, twice))} sent more than once",
        )


def reject_unknown_query(request: Request, accepted: Iterable[str]) -> None:
    """422 when the query string has a parameter outside ``accepted``."""
    allowed = set(accepted)
    unknown = sorted({key for key in request.query_params if key not in allowed})
    if unknown:
        raise ApiProblem(422, "unknown_field", _unknown("query parameter", unknown, allowed))


def no_query_parameters(request: Request) -> None:
    """A route dependency: the route takes no query parameters, so any is a 422."""
    reject_unknown_query(request, ())


def _unknown(kind: str, names: list[str], allowed: set[str]) -> str:
    hints = [
        f"{name!r} is the original system's name: send {ORIGINAL_NAMES[name]}"
        for name in names
        if name in ORIGINAL_NAMES and name not in allowed
    ]
    said = (
        f"unknown {kind}(s) {', '.join(map(repr, names))}; accepted: {', '.join(sorted(allowed))}"
    )
    return "; ".join([said, *hints])


def palette_from_hex_list(text: str | None, palette: str | None) -> str | None:
    """The palette spec for the original ``palette_hex_list`` field: comma-separated
    ``#RRGGBB``, exactly 15 of them (the original's rule; a palette of another size goes
    through ``palette``). None when the field was not sent."""
    if text is None:
        return None
    if palette is not None:
        raise ApiProblem(
            422, "config_error", "give the palette once: palette or palette_hex_list, not both"
        )
    colours = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in colours if not HEX.fullmatch(c)]
    if bad:
        raise ApiProblem(
            400, "input_error", f"palette_hex_list: {', '.join(map(repr, bad[:3]))} not #RRGGBB"
        )
    if len(colours) != ORIGINAL_PALETTE_SIZE:
        raise ApiProblem(
            400,
            "input_error",
            f"palette_hex_list must list exactly {ORIGINAL_PALETTE_SIZE} colours (#RRGGBB, "
            f"comma-separated), got {len(colours)}; for another size use the palette field",
        )
    return ",".join(colours)


def translate_config_overrides(text: str | None, max_bytes: int) -> dict[str, Any]:
    """Today's dotted overrides for the original ``config_overrides`` JSON (at most
    ``max_bytes``, like ``overrides``). Only what the original honoured is accepted; any other
    key is a 422 naming it (the original ignored such keys without a word)."""
    data = json_object(
        text, "config_overrides", '{"phases": {"phase1": {"enabled": false}}}', max_bytes
    )
    extra = sorted(set(data) - {"phases"})
    if extra:
        raise ApiProblem(
            422,
            "config_error",
            f"config_overrides: {', '.join(map(repr, extra))} not understood; the original "
            "format has only 'phases' (use the overrides field for today's config keys)",
        )
    phases = data.get("phases", {})
    if not isinstance(phases, dict):
        raise ApiProblem(422, "config_error", "config_overrides.phases must be an object")
    out: dict[str, Any] = {}
    for phase, settings in phases.items():
        if phase not in {"phase1", "phase2", "phase3", "phase4"}:
            raise ApiProblem(
                422, "config_error", f"config_overrides.phases.{phase}: use phase1 … phase4"
            )
        if not isinstance(settings, dict):
            raise ApiProblem(
                422, "config_error", f"config_overrides.phases.{phase} must be an object"
            )
        out.update(_phase_overrides(phase, settings))
    return out


def _phase_overrides(phase: str, settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    where = f"config_overrides.phases.{phase}"
    for key, value in settings.items():
        if key == "enabled":
            if not isinstance(value, bool):
                raise ApiProblem(422, "config_error", f"{where}.enabled must be true or false")
            out[f"{phase}.enabled"] = value
        elif phase == "phase2" and key == "prompt_override":
            out["phase2.prompt"] = value
        elif phase == "phase2" and key == "controlnet" and isinstance(value, dict):
            for weight, number in value.items():
                if weight not in {"depth_weight", "canny_weight"}:
                    raise ApiProblem(
                        422,
                        "config_error",
                        f"{where}.controlnet.{weight}: only depth_weight and canny_weight",
                    )
                out[f"phase2.controlnet.{weight}"] = number
        else:
            raise ApiProblem(
                422,
                "config_error",
                f"{where}.{key} not understood; the original format has enabled (and for "
                "phase2 controlnet.depth_weight, controlnet.canny_weight, prompt_override)",
            )
    return out


#: a single-phase job's main output file (the original's ``output_url``)
PHASE_OUTPUTS = {
    "phase1": "phase1_clean.png",
    "phase2": "phase2_styled.png",
    "phase3": "phase3_paletted.png",
    "phase4": "result.svg",
}


def milliseconds(timings: dict[str, float]) -> dict[str, float]:
    """Seconds per phase → milliseconds, phases only (the original's ``phase_timings``)."""
    return {k: round(v * 1000, 1) for k, v in timings.items() if k.startswith("phase")}


def overall_percent(job: JobRecord) -> float:
    """0–100: 100 once succeeded, else the mean progress of the four phases."""
    if job.status == "succeeded":
        return 100.0
    phases = [job.progress.get(f"phase{n}", 0.0) for n in range(1, 5)]
    return round(100 * sum(phases) / 4, 1)


PARAMS_EXAMPLE = '{"epochs": 5}'
#: the original's training form fields (REFERENCE.md §6) → today's parameter names
ORIGINAL_TRAINING = {
    "num_epochs": "epochs",
    "learning_rate": "learning_rate",
    "batch_size": "batch_size",
    "rank": "rank",
    "alpha": "alpha",
    "validation_split": "validation_split",
    "seed": "seed",
}
TRAINING_FIELDS = ("inputs", "targets", "folder", "params", "input_files[]", "target_files[]")


async def original_training_fields(request: Request) -> dict[str, str]:
    """The original's separate parameter fields (``num_epochs=5``…), by today's names; any
    other unknown field is a 422 naming it."""
    repeatable = ("inputs", "targets", "input_files[]", "target_files[]")
    await reject_unknown_fields(request, (*TRAINING_FIELDS, *ORIGINAL_TRAINING), repeatable)
    form = await request.form()
    found = {}
    for original, today in ORIGINAL_TRAINING.items():
        if original not in form:
            continue
        value = form[original]
        if not isinstance(value, str):
            raise ApiProblem(422, "config_error", f"{original} must be a form value, not a file")
        found[today] = value
    return found


def merge_original_params(text: str | None, original: dict[str, str]) -> str | None:
    """The params JSON with the original's separate fields added (a field given both ways,
    differently, is a 422)."""
    if not original:
        return text
    values = json_object(text, "params", PARAMS_EXAMPLE)
    for name, raw in original.items():
        number = _number(raw)
        if name in values and values[name] != number:
            raise ApiProblem(422, "config_error", f"{name} is given twice, differently")
        values[name] = number
    return json.dumps(values)


def _number(raw: str) -> Any:
    """A form field's text as int, else float, else the text (validation names what is wrong)."""
    for kind in (int, float):
        try:
            return kind(raw.strip())
        except ValueError:
            continue
    return raw
