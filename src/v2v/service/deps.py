"""The objects one app instance shares between requests, and the dependency that hands them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from v2v.config import Config
from v2v.service.db import Database
from v2v.service.jobs.executor import Executor
from v2v.service.jobs.files import JobFiles
from v2v.service.jobs.store import JobStore
from v2v.service.metrics import ServiceMetrics
from v2v.service.security.apikeys import KeyRing
from v2v.service.security.csrf import CsrfTokens
from v2v.service.security.ratelimit import SlidingWindowLimiter
from v2v.service.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    store: JobStore
    files: JobFiles
    executor: Executor
    keys: KeyRing
    limiter: SlidingWindowLimiter | None
    csrf: CsrfTokens
    metrics: ServiceMetrics
    base_config: Config
    started_at: datetime


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


#: the services of the app handling the request, as a route parameter type (declared once)
ServicesDep = Annotated[Services, Depends(get_services)]
