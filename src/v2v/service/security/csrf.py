"""CSRF protection for browser requests: a signed double-submit token.

``GET /api/v1/csrf-token`` sets the cookie ``v2v_csrf`` and returns the same token. A browser
request that changes state must echo it in the ``X-CSRF-Token`` header or the ``csrf_token`` form
field. The token is ``<nonce>.<HMAC-SHA256(CSRF_SECRET_KEY, nonce)>``, so a token planted by
another site (cookie injection) is rejected too.

Which requests are checked: unsafe methods (POST, PUT, PATCH, DELETE) sent by a browser (they
carry ``Origin`` or ``Sec-Fetch-Site``) without an API key header. Scripts and CLI tools
(curl, httpx) send neither header, and requests with an API key cannot be forged by another site.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request

COOKIE_NAME = "v2v_csrf"
HEADER_NAME = "X-CSRF-Token"
FIELD_NAME = "csrf_token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _sign(secret: bytes, nonce: str) -> str:
    digest = hmac.new(secret, nonce.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class CsrfTokens:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def issue(self) -> str:
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{_sign(self.secret, nonce)}"

    def valid(self, token: str) -> bool:
        nonce, _, signature = token.partition(".")
        if not nonce or not signature or len(token) > 200:
            return False
        return hmac.compare_digest(signature, _sign(self.secret, nonce))

    def check(self, cookie: str | None, submitted: str | None) -> bool:
        """Both present, equal (constant time) and signed with our secret."""
        if not cookie or not submitted:
            return False
        return hmac.compare_digest(cookie, submitted) and self.valid(cookie)


def needs_check(request: Request) -> bool:
    """A browser's state-changing request that carries no API key (see the module docstring)."""
    if request.method not in UNSAFE_METHODS:
        return False
    headers = request.headers
    if headers.get("x-api-key") or headers.get("authorization"):
        return False
    return "origin" in headers or "sec-fetch-site" in headers
