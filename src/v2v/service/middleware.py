"""The outermost middleware (pure ASGI): correlation id, body-size limit, security headers,
request metrics, one access-log line per request, and a safe answer to unexpected errors."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from v2v.service.logs import bind_request, clear_request, get_logger
from v2v.service.metrics import ServiceMetrics
from v2v.service.problems import correlation_id_var, internal_error_response, problem_response

log = get_logger("v2v.service.http")
_CORRELATION = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET = {"/health", "/ready", "/metrics"}  # polled often: logged at debug level only
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
}


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body is larger than {limit / 1e6:.1f} MB "
            "(MAX_UPLOAD_BYTES); send a smaller photo",
        )


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, max_body: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-correlation-id", "")
        correlation = given if _CORRELATION.match(given) else uuid.uuid4().hex
        token = correlation_id_var.set(correlation)
        bind_request(correlation, method=scope["method"], path=scope["path"])
        state: dict[str, Any] = {"status": 500, "started": False}
        began = time.perf_counter()
        try:
            await self._handle(scope, receive, send, headers, correlation, state)
        finally:
            self._record(scope, state["status"], time.perf_counter() - began)
            correlation_id_var.reset(token)
            clear_request()

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        headers: Headers,
        correlation: str,
        state: dict[str, Any],
    ) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                out = MutableHeaders(scope=message)
                out["x-correlation-id"] = correlation
                for name, value in SECURITY_HEADERS.items():
                    out.setdefault(name, value)
            await send(message)

        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            exc = BodyTooLarge(self.max_body)
            response = problem_response(Request(scope), 413, "upload_too_large", str(exc.detail))
            await response(scope, receive, send_with_headers)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except Exception:
            log.exception("unhandled_error")
            if not state["started"]:
                await internal_error_response(Request(scope))(scope, receive, send_with_headers)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(seconds)
        level = "debug" if scope["path"] in _QUIET else "info"
        getattr(log, level)(
            "request", status=status, route=template, duration_ms=round(seconds * 1000, 2)
        )
