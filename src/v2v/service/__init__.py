"""The REST service (needs the ``server`` extra: ``pip install 'vehicle-to-vector[server]'``).

Public entry points::

    from v2v.service import create_app, load_settings, serve
    serve(port=8080)                      # python run.py / v2v serve
    app = create_app(load_settings())     # for tests and ASGI servers

    create_api_key(name) / list_api_keys() / revoke_api_key(key_id)   # v2v keys ...
"""

from __future__ import annotations

import importlib.util

from v2v.errors import BackendUnavailable

_MISSING = [
    m
    for m in (
        "fastapi",
        "uvicorn",
        "sqlalchemy",
        "pydantic_settings",
        "multipart",
        "prometheus_client",
        "structlog",
    )
    if importlib.util.find_spec(m) is None
]
if _MISSING:
    raise BackendUnavailable(
        f"the service needs packages that are not installed ({', '.join(_MISSING)}); "
        "install them with: pip install 'vehicle-to-vector[server]'"
    )

from v2v.service.app import create_app  # noqa: E402
from v2v.service.security.apikeys import ApiKeyInfo, CreatedKey  # noqa: E402
from v2v.service.server import create_api_key, list_api_keys, revoke_api_key, serve  # noqa: E402
from v2v.service.settings import Settings, load_settings  # noqa: E402

__all__ = [
    "ApiKeyInfo",
    "CreatedKey",
    "Settings",
    "create_api_key",
    "create_app",
    "list_api_keys",
    "load_settings",
    "revoke_api_key",
    "serve",
]
