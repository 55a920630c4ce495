"""The service settings that bound what a client can reach and spend (docs/security.md).

``Settings`` (``v2v.service.settings``) inherits these fields; each variable is the field's name
in upper case.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode

CommaList = Annotated[list[str], NoDecode]
LOCAL_HOST_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
_WILDCARD_BINDS = {"0.0.0.0", "::", ""}
RATE_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.I)


def parse_rate(text: str) -> tuple[int, float]:
    """'10/minute' → (10, 60.0): allowed requests and the window in seconds."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(
            f"{text!r} is not a rate; use COUNT/UNIT such as '10/minute', '100/hour' or '5/second'"
        )
    count, multiple, unit = int(match.group(1)), match.group(2), match.group(3).lower()
    window = RATE_UNITS[unit] * (int(multiple) if multiple else 1)
    if count < 1 or window <= 0:
        raise ValueError(f"{text!r}: the count and the window must be positive")
    return count, window


def optional_rate(text: str) -> tuple[int, float] | None:
    """A rate setting: None for '', '0' or 'off' (no limit), else :func:`parse_rate`'s pair."""
    text = text.strip()
    return None if text in {"", "0", "off"} else parse_rate(text)


def split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class SecuritySettings(BaseSettings):
    """Host and proxy trust, admin scope, queue, disk, decode and authentication limits."""

    allowed_hosts: CommaList = Field(
        default_factory=list,
        description="Host header names served ('*' = any); empty = the localhost names and the "
        "bind address, or any host when HOST is 0.0.0.0/:: (then set it)",
    )
    forwarded_allow_ips: str = Field(
        "",
        description="proxy addresses whose X-Forwarded-For/-Proto are believed (comma list or "
        "'*'); '' = none. Setting it also ends the no-key local mode (every request may be "
        "proxied)",
    )
    admin_key_ids: CommaList = Field(
        default_factory=list,
        description="API key ids (`v2v keys list`) with the admin scope: may see and delete "
        "every LoRA; without keys the local user is the admin",
    )
    max_queued_per_key: int = Field(
        20, ge=0, le=100_000, description="queued + running jobs per key or client; 0 = no cap"
    )
    max_queued_jobs: int = Field(
        1000, ge=0, le=10_000_000, description="queued jobs in the whole service; 0 = no cap"
    )
    max_training_files: int = Field(
        400, ge=2, le=100_000, description="uploaded files per training job (both sides)"
    )
    max_concurrent_decodes: int = Field(
        4, ge=1, le=256, description="uploads decoded at once by one API process"
    )
    auth_failure_limit: str = Field(
        "20/minute", description="401 answers per client address before 429; '' = no limit"
    )
    rate_limit_storage_url: str = Field(
        "",
        description="where rate-limit counters live: '' = Redis of CELERY_BROKER_URL with "
        "EXECUTOR=celery, else this process's memory; 'memory://' or 'redis://host:6379/1'",
    )

    @field_validator("allowed_hosts", "admin_key_ids", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("auth_failure_limit")
    @classmethod
    def _auth_rate(cls, value: str) -> str:
        optional_rate(value)
        return value.strip()

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for part in split_list(value):
            if part != "*":
                try:
                    ipaddress.ip_network(part, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{part!r} is not an IP address or network; list proxy addresses such "
                        "as 127.0.0.1,10.0.0.0/8, or '*'"
                    ) from None
        return value.strip()

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _storage(cls, value: str) -> str:
        if value.strip() and not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("use memory:// or a redis:// URL")
        return value.strip()

    def host_allow_list(self, bind: str) -> list[str]:
        """The Host names served: ALLOWED_HOSTS, else localhost names and the bind address
        (['*'] when bound to every interface and nothing is set)."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        if bind in _WILDCARD_BINDS:
            return ["*"]
        return list(dict.fromkeys([*LOCAL_HOST_NAMES, bind]))

    @property
    def auth_failures(self) -> tuple[int, float] | None:
        return optional_rate(self.auth_failure_limit)
