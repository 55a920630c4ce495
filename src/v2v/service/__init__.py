"""The REST service (needs the ``server`` extra: ``pip install 'vehicle-to-vector[server]'``).

Public entry points::

    from v2v.service import create_app, load_settings, serve
    serve(port=8080)                      # python run.py / v2v serve
    app = create_app(load_settings())     # for tests and ASGI servers

    create_api_key(name) / list_api_keys() / revoke_api_key(key_id)   # v2v keys ...

The entry points are imported on first use, so a job worker that imports ``v2v.service.jobs``
does not load the FastAPI app and its routers.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from v2v.service.app import create_app
    from v2v.service.security.apikeys import ApiKeyInfo, CreatedKey
    from v2v.service.server import create_api_key, list_api_keys, revoke_api_key, serve
    from v2v.service.settings import Settings, load_settings

#: each public name and the module it comes from
_HOMES = {
    "ApiKeyInfo": "v2v.service.security.apikeys",
    "CreatedKey": "v2v.service.security.apikeys",
    "Settings": "v2v.service.settings",
    "create_api_key": "v2v.service.server",
    "create_app": "v2v.service.app",
    "list_api_keys": "v2v.service.server",
    "load_settings": "v2v.service.settings",
    "revoke_api_key": "v2v.service.server",
    "serve": "v2v.service.server",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'v2v.service' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


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
