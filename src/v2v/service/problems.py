"""Errors leave the service as RFC 7807 problem documents (``application/problem+json``).

Each document has ``type``, ``title``, ``status``, ``detail``, ``instance`` (the request path), plus
``code`` (stable, machine-readable) and ``correlation_id`` (also in the ``X-Correlation-ID``
header; quote it when reporting a problem: the server log has the details). Library errors
(``V2VError``) keep their message, which is written for users; anything else becomes a plain
"internal error" and its traceback goes only to the log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from v2v.errors import V2VError
from v2v.service.logs import get_logger
from v2v.service.redact import redact_paths

PROBLEM_JSON = "application/problem+json"
correlation_id_var: ContextVar[str] = ContextVar("correlation_id", default="-")
log = get_logger("v2v.service.problems")

#: HTTP status for each error code (library codes and the service's own).
STATUS_BY_CODE = {
    "config_error": 422,
    "input_error": 400,
    "backend_unavailable": 503,
    "weights_missing": 503,
    "stage_failed": 500,
    "quality_check_failed": 422,
    "cancelled": 409,
    "timeout": 504,
    "worker_lost": 500,
    "input_missing": 410,
    "internal_error": 500,
}
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
    504: "Gateway timeout",
    507: "Insufficient storage",
}


class ApiProblem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:v2v:problem:{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path if request is not None else None,
        "code": code,
        "correlation_id": correlation_id_var.get(),
        **extra,
    }
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


def status_for(code: str) -> int:
    return STATUS_BY_CODE.get(code, 500)


def _count(request: Request, code: str) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.errors.labels(code).inc()


async def _api_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    _count(request, exc.code)
    return problem_response(request, exc.status, exc.code, exc.detail, exc.headers, **exc.extra)


async def _library_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, V2VError)
    _count(request, exc.code)
    log.info("library_error", code=exc.code, detail=str(exc))  # the full text, paths included
    return problem_response(request, status_for(exc.code), exc.code, redact_paths(str(exc)))


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
        for err in exc.errors()
    ]


#: request fields whose bad values have a problem code of their own (a module that owns such
#: fields registers them, e.g. the export options: ``invalid_export``)
FIELD_CODES: dict[str, str] = {}


def _code_for(errors: list[dict[str, Any]]) -> str:
    """``validation_error``, or the fields' own code when every bad field shares one."""
    codes = {FIELD_CODES.get(e["field"].rsplit(".", 1)[-1]) for e in errors}
    code = codes.pop() if len(codes) == 1 else None
    return code or "validation_error"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    code = _code_for(errors) if errors else "validation_error"
    _count(request, code)
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return problem_response(request, 422, code, detail, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"there is nothing at {request.url.path}; see /docs for the endpoints"
    return problem_response(request, exc.status_code, code, detail, exc.headers)


def internal_error_response(request: Request | None) -> JSONResponse:
    """The answer to an unexpected exception: no internals, just the id to find them in the log."""
    return problem_response(
        request,
        500,
        "internal_error",
        f"an internal error occurred; the server log has the details under correlation id "
        f"{correlation_id_var.get()}",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(V2VError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def json_object(
    text: str | None, field: str, example: str, max_bytes: int | None = None
) -> dict[str, Any]:
    """The JSON object in form field ``field`` ({} when empty): 413 over ``max_bytes``, 422
    when it is not JSON (nesting too deep included) or not an object (``example`` shows one)."""
    if text is None or not text.strip():
        return {}
    if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
        raise ApiProblem(
            413, "overrides_too_large", f"the {field} field is larger than {max_bytes} bytes"
        )
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ApiProblem(422, "config_error", f"{field} is not valid JSON: {reason}") from None
    if not isinstance(data, dict):
        raise ApiProblem(422, "config_error", f"{field} must be a JSON object such as {example}")
    return data
