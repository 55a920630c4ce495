"""What the service offers: palettes, backends, and the CSRF token for browser clients."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from v2v.color.palette import Palette
from v2v.service.deps import ServicesDep
from v2v.service.schemas import API, API_PROBLEMS, BackendInfo, CsrfToken, PaletteInfo
from v2v.service.security.auth import Limited
from v2v.service.security.csrf import COOKIE_NAME, FIELD_NAME, HEADER_NAME

router = APIRouter(prefix=API, tags=["catalog"], responses=API_PROBLEMS)


@router.get("/palettes", response_model=list[PaletteInfo], summary="The built-in palettes")
def palettes(client: Limited) -> list[PaletteInfo]:
    found = []
    for name in Palette.builtin_names():
        palette = Palette.load(name)
        found.append(PaletteInfo(name=name, colors=list(palette.colors), names=list(palette.names)))
    return found


@router.get(
    "/backends",
    response_model=list[BackendInfo],
    summary="The backends of each phase, and which one the pipeline config selects",
)
def backends(services: ServicesDep, client: Limited) -> list[BackendInfo]:
    from v2v.stages.catalog import catalog

    return [
        BackendInfo(
            phase=backend.phase,
            name=backend.name,
            description=backend.description,
            selected=backend.selected,
        )
        for backend in catalog(services.base_config, models=[])
    ]


@router.get(
    "/csrf-token",
    response_model=CsrfToken,
    summary="A CSRF token (also set as a cookie) for browser form posts",
)
def csrf_token(services: ServicesDep, request: Request, response: Response) -> CsrfToken:
    token = services.csrf.issue()
    response.set_cookie(
        COOKIE_NAME,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return CsrfToken(token=token, header=HEADER_NAME, field=FIELD_NAME)
