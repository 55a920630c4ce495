"""Request dependencies: who is calling (API key), may they (rate limit), is it forged (CSRF).

- With no API key configured, only clients on this machine (loopback, not via a proxy) are served.
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

from v2v.service.deps import Services, get_services
from v2v.service.problems import ApiProblem
from v2v.service.security.csrf import COOKIE_NAME, FIELD_NAME, HEADER_NAME, needs_check

ANONYMOUS = "anonymous"
_FORWARDED = ("forwarded", "x-forwarded-for", "x-real-ip")
api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="an API key from `v2v keys create NAME`"
)
bearer_scheme = HTTPBearer(auto_error=False, description="the same API key as a bearer token")


@dataclass(frozen=True)
class Client:
    owner: str
    address: str

    @property
    def rate_key(self) -> str:
        return f"ip:{self.address}" if self.owner == ANONYMOUS else self.owner


def _is_loopback(request: Request) -> bool:
    if any(name in request.headers for name in _FORWARDED):
        return False  # behind a proxy every client looks local; trust none of them
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authenticate(
    request: Request,
    services: Annotated[Services, Depends(get_services)],
    header_key: Annotated[str | None, Security(api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)] = None,
) -> Client:
    address = request.client.host if request.client else "unknown"
    if not services.keys.configured():
        if _is_loopback(request):
            return Client(ANONYMOUS, address)
        raise ApiProblem(
            403,
            "remote_access_needs_key",
            "no API key is configured on this server, so it serves only requests "
            "from this machine; create a key with `v2v keys create NAME` and send it "
            "as X-API-Key",
        )
    key = (header_key or (bearer.credentials if bearer else "")).strip() or None
    if key is None:
        raise ApiProblem(
            401,
            "api_key_required",
            "an API key is required: send it in the X-API-Key header or as "
            "'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    owner = services.keys.identify(key)
    if owner is None:
        raise ApiProblem(
            401,
            "api_key_invalid",
            "the API key is not valid (mistyped or revoked)",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return Client(owner, address)


def rate_limited(
    services: Annotated[Services, Depends(get_services)],
    client: Annotated[Client, Depends(authenticate)],
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


async def csrf_protect(
    request: Request, services: Annotated[Services, Depends(get_services)]
) -> None:
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


Authenticated = Annotated[Client, Depends(authenticate)]
Limited = Annotated[Client, Depends(rate_limited)]
