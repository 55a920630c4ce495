"""The form fields shared by the conversion endpoints (``/process`` and ``/jobs``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Form, Request

from v2v.exports import ExportOptions
from v2v.service.compat import (
    palette_from_hex_list,
    reject_unknown_fields,
    translate_config_overrides,
)
from v2v.service.deps import Services
from v2v.service.export_options import (
    DESCRIPTIONS,
    EXPORT_FIELDS,
    Grouping,
    Stacking,
    as_params,
    export_options,
)
from v2v.service.problems import ApiProblem
from v2v.service.security.auth import Client
from v2v.service.submission import parse_hint, parse_overrides, parse_palette

#: every form field the conversion routes read (anything else is a 422 naming it)
CONVERSION_FIELDS = (
    "file",
    "palette",
    "overrides",
    "phase1",
    "phase2",
    "phase3",
    "phase4",
    "hint",
    "intermediates",
    "subject",
    "palette_hex_list",
    "config_overrides",
    *EXPORT_FIELDS,
)

_SWITCH = "run phase {n} ({what}); leave out to use the service's pipeline config"


@dataclass(frozen=True)
class ConversionForm:
    palette: str | None
    overrides: str | None
    switches: dict[str, bool | None]
    hint: str | None
    intermediates: bool
    subject: int | None = None
    palette_hex_list: str | None = None
    config_overrides: str | None = None
    export: ExportOptions | None = None

    def params(self, services: Services, client: Client) -> dict[str, Any]:
        """Validated job parameters (raises ApiProblem 422 naming the bad field or key; 400
        for a palette_hex_list that is not 15 colours, the original's rule)."""
        original = palette_from_hex_list(self.palette_hex_list, self.palette)
        limit = services.settings.max_overrides_bytes
        translated = translate_config_overrides(self.config_overrides, limit)
        return {
            "palette": parse_palette(original if original is not None else self.palette),
            "overrides": parse_overrides(
                services, client, self.overrides, self.switches, self.subject, translated
            ),
            "hint": parse_hint(self.hint),
            "intermediates": self.intermediates,
            **({"export": as_params(self.export)} if self.export is not None else {}),
        }


async def export_form(
    format: Annotated[str | None, Form(max_length=16, description=DESCRIPTIONS["format"])] = None,
    size: Annotated[str | None, Form(max_length=40, description=DESCRIPTIONS["size"])] = None,
    dpi: Annotated[float | None, Form(ge=1, le=2400, description=DESCRIPTIONS["dpi"])] = None,
    stacking: Annotated[Stacking | None, Form(description=DESCRIPTIONS["stacking"])] = None,
    grouping: Annotated[Grouping | None, Form(description=DESCRIPTIONS["grouping"])] = None,
) -> ExportOptions | None:
    """The export the client wants of the drawing (any of the fields given), validated as the
    export route validates it; the finished job lists its URL as ``urls.export``."""
    values = (format, size, dpi, stacking, grouping)
    return None if all(v is None for v in values) else export_options(*values)


async def conversion_form(
    request: Request,
    palette: Annotated[
        str | None,
        Form(
            description="a built-in palette name (GET /api/v1/palettes) or comma-separated hex "
            "colours; default: the config's palette",
            examples=["default"],
        ),
    ] = None,
    overrides: Annotated[
        str | None,
        Form(
            description="JSON object of config keys to change, dotted or nested",
            examples=['{"phase3.min_area_percent": 0.1, "phase4": {"strategy": "B"}}'],
        ),
    ] = None,
    phase1: Annotated[bool | None, Form(description=_SWITCH.format(n="I", what="sanitize"))] = None,
    phase2: Annotated[bool | None, Form(description=_SWITCH.format(n="II", what="stylize"))] = None,
    phase3: Annotated[
        bool | None, Form(description=_SWITCH.format(n="III", what="palette"))
    ] = None,
    phase4: Annotated[
        bool | None, Form(description=_SWITCH.format(n="IV", what="vectorize"))
    ] = None,
    hint: Annotated[
        str | None,
        Form(
            description="optional box around the vehicle: x0,y0,x1,y1 in photo pixels",
            examples=["40,60,980,620"],
        ),
    ] = None,
    intermediates: Annotated[
        bool, Form(description="also keep each phase's image for download")
    ] = False,
    subject: Annotated[
        int | None,
        Form(
            ge=1,
            description="which detected vehicle to draw: its rank in the report's "
            "phases.phase1.detections (1 = the best-ranked, the default)",
        ),
    ] = None,
    palette_hex_list: Annotated[
        str | None,
        Form(
            description="the original system's palette field: exactly 15 comma-separated "
            "#RRGGBB colours (else 400); use palette for another size",
        ),
    ] = None,
    config_overrides: Annotated[
        str | None,
        Form(
            description='the original system\'s overrides: JSON {"phases": {"phase1": '
            '{"enabled": false}, "phase2": {"controlnet": {"depth_weight": 0.7}, '
            '"prompt_override": "..."}}}; anything else is refused',
        ),
    ] = None,
    export: Annotated[ExportOptions | None, Depends(export_form)] = None,
) -> ConversionForm:
    await reject_unknown_fields(request, CONVERSION_FIELDS)
    if subject is not None and hint:
        raise ApiProblem(
            422, "config_error", "give the vehicle once: a hint box or a subject rank, not both"
        )
    switches = {"phase1": phase1, "phase2": phase2, "phase3": phase3, "phase4": phase4}
    return ConversionForm(
        palette,
        overrides,
        switches,
        hint,
        intermediates,
        subject,
        palette_hex_list,
        config_overrides,
        export,
    )


#: the conversion form as a route parameter type (declared once, used by /process and /jobs)
ConversionFormDep = Annotated[ConversionForm, Depends(conversion_form)]
