"""The web UI: a single page of plain HTML, CSS and JavaScript (no build step, no CDN) served at
``/ui``. It is a client of the public HTTP API only; nothing here touches jobs or the pipeline.

``install_ui(app)`` mounts the static files at ``/ui/static`` and answers every other ``/ui``
path with the page itself, so deep links such as ``/ui/jobs/<id>`` work after a reload.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from v2v import __version__

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: stricter than the service default: no inline scripts anywhere in the UI
PAGE_HEADERS = {
    "cache-control": "no-cache",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
}
router = APIRouter(include_in_schema=False)


class UiStatic(StaticFiles):
    """Static files that the browser revalidates on each load (ETag), so upgrades show at once."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        for name, value in PAGE_HEADERS.items():
            response.headers[name] = value
        return response


@lru_cache(maxsize=1)
def _page() -> str:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return html.replace("{{version}}", __version__)


#: the original system's UI paths → today's pages (docs/compatibility.md)
ORIGINAL_PAGES = {
    "training": "/ui/train",
    "inference": "/ui",
    "pipeline": "/ui/jobs",
}


def _original(path: str) -> str | None:
    """Today's page for an original UI path, or None (``training/jobs/ID[/status]`` →
    ``/ui/train/ID``, ``inference/jobs/ID[/status]`` → ``/ui/jobs/ID``)."""
    parts = path.strip("/").split("/")
    if len(parts) == 1 and parts[0] in ORIGINAL_PAGES:
        return ORIGINAL_PAGES[parts[0]]
    if len(parts) in {3, 4} and parts[1] == "jobs" and parts[0] in {"training", "inference"}:
        if len(parts) == 4 and parts[3] != "status":
            return None
        return f"/ui/{'train' if parts[0] == 'training' else 'jobs'}/{parts[2]}"
    return None


@router.get("/ui")
@router.get("/ui/{path:path}")
def page(path: str = "") -> Response:
    """The single page; the browser-side router shows the view the path names. The original
    system's paths redirect to today's pages."""
    moved = _original(path)
    if moved is not None:
        return RedirectResponse(moved, status_code=308)
    return HTMLResponse(_page(), headers=PAGE_HEADERS)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    return RedirectResponse("/ui/static/favicon.svg")


def install_ui(app: FastAPI) -> None:
    """Serve the UI from ``app`` (static files first, so the page route does not shadow them)."""
    app.mount("/ui/static", UiStatic(directory=STATIC_DIR), name="ui-static")
    app.include_router(router)
