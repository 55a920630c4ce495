"""Request dependencies: who is calling (API key), may they (rate limit), is it forged (CSRF).

- With no API key configured, only clients on this machine are served: a loopback peer, with a
  localhost ``Host`` header (a DNS-rebinding page has its own host name), no sign of a proxy in
  the headers, and no proxy declared (``FORWARDED_ALLOW_IPS``: then any request may be proxied).
- With any key configured, every API request needs one: ``X-API-Key: <key>`` or
  ``Authorization: Bearer <key>``.
- Each key sees only its own jobs; anonymous loopback clients share the ``anonymous`` owner.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from v2v.service.deps import Services, ServicesDep
from v2v.service.problems import ApiProblem
from v2v.service.security.csrf import COOKIE_NAME, FIELD_NAME, HEADER_NAME, needs_check

ANONYMOUS = "anonymous"
#: headers that proxies add: any of them means the peer address is not the client's
_FORWARDED = (
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "via",
    "true-client-ip",
    "cf-connecting-ip",
)
_LOCAL_NAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}
api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="an API key from `v2v keys create NAME`"
)
bearer_scheme = HTTPBearer(auto_error=False, description="the same API key as a bearer token")


@dataclass(frozen=True)
class Client:
    owner: str
    address: str
    admin: bool = False  # may see and delete every LoRA (ADMIN_KEY_IDS; local user without keys)

    @property
    def rate_key(self) -> str:
        return f"ip:{self.address}" if self.owner == ANONYMOUS else self.owner


def _host_name(request: Request) -> str:
    host = request.headers.get("host", "").strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_loopback(request: Request, services: Services) -> bool:
    if services.settings.forwarded_allow_ips:
        return False  # a proxy is declared: a local peer may be relaying anyone
    if any(name in request.headers for name in _FORWARDED):
        return False  # behind a proxy every client looks local; trust none of them
    if _host_name(request) not in _LOCAL_NAMES:
        return False  # a page on another host name resolving here (DNS rebinding)
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_admin(owner: str, admin_ids: list[str]) -> bool:
    return owner.removeprefix("key:") in admin_ids or owner in admin_ids


def _failed(services: Services, address: str, problem: ApiProblem) -> ApiProblem:
    """Count a 401 against the client address; 429 once AUTH_FAILURE_LIMIT is reached."""
    if services.auth_limiter is not None:
        wait = services.auth_limiter.hit(f"auth-fail:{address}")
        if wait is not None:
            return ApiProblem(
                429,
                "too_many_failed_logins",
                f"too many requests with a missing or wrong API key from this address "
                f"(AUTH_FAILURE_LIMIT={services.settings.auth_failure_limit}); try again in "
                f"{wait} s with a valid key",
                headers={"Retry-After": str(wait)},
            )
    return problem


def identify(request: Request, services: Services, key: str | None) -> Client:
    """Who is calling (ApiProblem 401/403/429 when nobody may); reads headers only, never the
    body, so the early check in the middleware and the route dependency agree."""
    address = request.client.host if request.client else "unknown"
    if not services.keys.configured():
        if _is_loopback(request, services):
            return Client(ANONYMOUS, address, admin=True)
        raise ApiProblem(
            403,
            "remote_access_needs_key",
            "no API key is configured on this server, so it serves only requests "
            "from this machine (to http://localhost, not through a proxy); create a key with "
            "`v2v keys create NAME` and send it as X-API-Key",
        )
    if services.auth_limiter is not None and not services.auth_limiter.remaining(
        f"auth-fail:{address}"
    ):
        raise _failed(services, address, ApiProblem(401, "api_key_invalid", ""))
    if key is None:
        raise _failed(
            services,
            address,
            ApiProblem(
                401,
                "api_key_required",
                "an API key is required: send it in the X-API-Key header or as "
                "'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            ),
        )
    owner = services.keys.identify(key)
    if owner is None:
        raise _failed(
            services,
            address,
            ApiProblem(
                401,
                "api_key_invalid",
                "the API key is not valid (mistyped or revoked)",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ),
        )
    return Client(owner, address, admin=_is_admin(owner, services.settings.admin_key_ids))


def presented_key(request: Request) -> str | None:
    """The key in X-API-Key or ``Authorization: Bearer``, or None."""
    header = request.headers.get("x-api-key", "")
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    bearer = credentials if scheme.lower() == "bearer" else ""
    return (header or bearer).strip() or None


def authenticate(
    request: Request,
    services: ServicesDep,
    header_key: Annotated[str | None, Security(api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> Client:
    key = (header_key or (bearer.credentials if bearer else "")).strip() or None
    return identify(request, services, key)


#: the caller, authenticated (declared once, with rate_limited's ``Limited`` below)
Authenticated = Annotated[Client, Depends(authenticate)]


def rate_limited(
    services: ServicesDep,
    client: Authenticated,
) -> Client:
    """Authenticate, then count the request against ``API_RATE_LIMIT``."""
    if services.limiter is not None:
        wait = services.limiter.hit(client.rate_key)
        if wait is not None:
            raise ApiProblem(
                429,
                "rate_limited",
                f"too many requests: the limit is {services.settings.api_rate_limit} "
                f"per client; try again in {wait} s",
                headers={"Retry-After": str(wait)},
            )
    return client


async def csrf_protect(request: Request, services: ServicesDep) -> None:
    """Reject a browser's state-changing request that does not carry the CSRF token."""
    if not needs_check(request):
        return
    submitted = request.headers.get(HEADER_NAME)
    content_type = request.headers.get("content-type", "")
    if submitted is None and content_type.startswith(
        ("multipart/form-data", "application/x-www-form-urlencoded")
    ):
        value = (await request.form()).get(FIELD_NAME)
        submitted = value if isinstance(value, str) else None
    if not services.csrf.check(request.cookies.get(COOKIE_NAME), submitted):
        raise ApiProblem(
            403,
            "csrf_failed",
            "this browser request has no valid CSRF token: get one from "
            f"GET /api/v1/csrf-token and send it as {HEADER_NAME} or as the "
            f"'{FIELD_NAME}' form field",
        )


#: the caller, authenticated and counted against API_RATE_LIMIT
Limited = Annotated[Client, Depends(rate_limited)]
