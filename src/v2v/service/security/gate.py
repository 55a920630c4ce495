"""The checks that run before a request reaches a route (pure ASGI, nothing of the body read):

- the ``Host`` header must be one this server answers to (``ALLOWED_HOSTS``; by default the
  localhost names and the bind address), so a web page on a DNS-rebinding name cannot drive
  the API from a browser on this machine;
- a state-changing API request (POST, PUT, PATCH, DELETE under ``/api/``) must come from a
  caller who may use the API at all, checked from its headers before a multipart body of up to
  ``MAX_UPLOAD_BYTES`` is received and parsed (FastAPI reads form bodies before it runs a
  route's dependencies).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from v2v.service.deps import Services
from v2v.service.problems import ApiProblem, problem_response
from v2v.service.security.auth import identify, presented_key

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def host_allowed(host_header: str, allowed: list[str]) -> bool:
    """``Host`` (port removed) against the allow-list; ``*.example.com`` matches subdomains."""
    if "*" in allowed:
        return True
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host.split("]", 1)[0] + "]"
    elif host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    for pattern in allowed:
        pattern = pattern.lower()
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


class GateMiddleware:
    def __init__(self, app: ASGIApp, services: Services, allowed_hosts: list[str]) -> None:
        self.app = app
        self.services = services
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        problem = None
        if not host_allowed(request.headers.get("host", ""), self.allowed_hosts):
            problem = ApiProblem(
                400,
                "host_not_allowed",
                "this server does not answer to the host name in the request's Host header; "
                "the operator lists the names it answers to in ALLOWED_HOSTS",
            )
        elif scope["method"] in UNSAFE and scope["path"].startswith("/api/"):
            try:
                await run_in_threadpool(identify, request, self.services, presented_key(request))
            except ApiProblem as exc:
                problem = exc
        if problem is not None:
            response = problem_response(
                request, problem.status, problem.code, problem.detail, problem.headers
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
