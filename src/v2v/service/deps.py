"""The objects one app instance shares between requests, and the dependency that hands them out."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import Depends, Request

from v2v.config import Config
from v2v.service.db import Database
from v2v.service.jobs.executor import Executor
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import JobStore
from v2v.service.metrics import ServiceMetrics
from v2v.service.security.apikeys import KeyRing
from v2v.service.security.csrf import CsrfTokens
from v2v.service.security.ratelimit import Limiter
from v2v.service.security.uploads import CheckedImage, check_upload
from v2v.service.settings import Settings


def _slots(count: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(count)


@dataclass
class Services:
    settings: Settings
    db: Database
    store: JobStore
    files: JobFiles
    executor: Executor
    keys: KeyRing
    limiter: Limiter | None
    csrf: CsrfTokens
    metrics: ServiceMetrics
    base_config: Config
    started_at: datetime
    auth_limiter: Limiter | None = None
    #: uploads being decoded at once in this process (MAX_CONCURRENT_DECODES)
    decodes: threading.BoundedSemaphore = field(default_factory=lambda: _slots(4))

    def check_upload(self, source: BinaryIO, temp: Path) -> CheckedImage:
        """Save an uploaded photo to ``temp`` and validate it under this server's limits
        (MAX_UPLOAD_BYTES, MAX_UPLOAD_PIXELS, MAX_CONCURRENT_DECODES); removed when rejected."""
        limits = self.settings
        return check_upload(
            source, temp, limits.max_upload_bytes, limits.max_upload_pixels, self.decodes
        )


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


#: the services of the app handling the request, as a route parameter type (declared once)
ServicesDep = Annotated[Services, Depends(get_services)]
