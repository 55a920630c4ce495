"""Response bodies of ``/health`` and ``/ready`` (today's names; the original's shape is built
in :mod:`v2v.service.routes.health`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class HealthResponse(BaseModel):
    status: Literal["healthy"] = "healthy"
    version: str
    timestamp: datetime
    uptime_seconds: float


class Check(BaseModel):
    ok: bool
    detail: str


class ReadyResponse(BaseModel):
    status: Literal["ready", "warming", "not_ready"] = Field(
        description="warming: every check passes but no worker has loaded its models yet"
    )
    checks: dict[str, Check]
    failing: list[str] = Field(default_factory=list)
    timestamp: datetime
