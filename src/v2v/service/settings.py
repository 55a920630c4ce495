"""Service settings, read from environment variables (and an optional ``.env`` file).

Each field's environment variable is its upper-case name (``request_timeout``:
``REQUEST_TIMEOUT``).
Values are validated once, at start-up; an unusable value stops start-up with a message that names
the variable, the value and what is allowed (:func:`load_settings` raises ``ConfigError``).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import NoDecode, SettingsConfigDict

from v2v.errors import ConfigError
from v2v.service.settings_security import CommaList, SecuritySettings, optional_rate, split_list

log = logging.getLogger("v2v.service.settings")

#: the original system's environment variables → today's setting (docs/compatibility.md)
ORIGINAL_ALIASES = {
    "FASTAPI_API_KEY": "api_keys",
    "API_OUTPUT_DIR": "data_dir",
    "TRAIN_DATA_ROOT": "pairs_dir",
    "TRAIN_OUTPUT_ROOT": "lora_dir",
}


def _say_which_wins() -> None:
    """A log line for each original variable that is set beside today's (today's wins)."""
    for original, today in ORIGINAL_ALIASES.items():
        if original in os.environ and today.upper() in os.environ:
            log.warning(
                "%s is set as well as %s; %s wins (docs/compatibility.md)",
                original,
                today.upper(),
                today.upper(),
            )


class Settings(SecuritySettings):
    """Everything the service reads from its environment. See docs/service.md for each variable."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", case_sensitive=False, populate_by_name=True
    )

    # -- server (uvicorn) --------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="interface to bind; 0.0.0.0 = every interface")
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes")
    reload: bool = Field(False, description="restart on code changes (development only)")
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: readable lines on a terminal, JSON lines otherwise"
    )

    # -- limits --------------------------------------------------------------------------------
    request_timeout: int = Field(600, description="seconds a synchronous request may take, 30–3600")
    api_rate_limit: str = Field("60/minute", description="per API key or client; '' = off")
    max_upload_bytes: int = Field(50 * 1024 * 1024, ge=1024, le=1024**3)
    max_upload_pixels: int = Field(100_000_000, ge=10_000, le=400_000_000)
    max_overrides_bytes: int = Field(16 * 1024, ge=256, le=1024 * 1024)
    status_names: Literal["v2v", "original"] = Field(
        "v2v",
        description="job statuses as today's API names them (queued/running/succeeded) or as "
        "the original system did (pending/processing/completed); docs/compatibility.md",
    )

    # -- security ------------------------------------------------------------------------------
    csrf_secret_key: SecretStr | None = None
    ui_enabled: bool = Field(True, description="serve the web UI at /ui")
    cors_origins: CommaList = Field(default_factory=list)
    cors_allow_credentials: bool = False
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        # the original's FASTAPI_API_KEY too, from the environment or .env (today's name wins)
        validation_alias=AliasChoices("api_keys", "fastapi_api_key"),
    )
    api_keys_file: Path | None = None

    # -- storage and jobs ----------------------------------------------------------------------
    data_dir: Path = Field(
        Path("data"), validation_alias=AliasChoices("data_dir", "api_output_dir")
    )
    pairs_dir: Path | None = Field(
        None,
        description="the server's pair folders for training (the folder field); "
        "None = DATA_DIR/pairs; the original's TRAIN_DATA_ROOT too",
        validation_alias=AliasChoices("pairs_dir", "train_data_root"),
    )
    database_url: str | None = None
    retention_hours: float = Field(168.0, ge=0, description="0 = keep finished jobs forever")
    job_workers: int = Field(1, ge=1, le=64, description="pipelines running at once")
    worker_mode: Literal["process", "thread"] = "process"
    job_timeout: int = Field(3600, ge=1, le=7 * 86400, description="seconds a job may run")
    job_max_attempts: int = Field(3, ge=1, le=20)
    job_stale_seconds: float = Field(6.0, ge=0.5, le=3600, description="heartbeat age = dead")
    cancel_grace_seconds: float = Field(10.0, ge=0.0, le=600)
    worker_niceness: int = Field(10, ge=0, le=19, description="CPU priority drop of workers")
    warm_workers: bool = Field(
        True, description="each worker loads its models (one drawn car) before its first job"
    )
    min_free_disk_mb: int = Field(200, ge=0)
    database_migrate: Literal["auto", "check"] = Field(
        "auto", description="auto: upgrade the schema at start-up; check: refuse an old schema"
    )

    # -- scale-out (docs/deployment.md) ----------------------------------------------------------
    executor: Literal["local", "celery"] = Field("local", description="who runs the jobs")
    celery_broker_url: str = Field("redis://127.0.0.1:6379/0", description="EXECUTOR=celery")
    celery_result_backend: str = Field("", description="'' = none; the job store has results")
    storage_url: str = Field("", description="'' = DATA_DIR; else fsspec URL (s3://bucket/dir)")

    # -- pipeline and models -------------------------------------------------------------------
    pipeline_config: Path | None = None
    model_volume_path: Path | None = None
    lora_dir: Path | None = Field(
        None,
        description="where trained LoRAs are written and read; None = the model directory's "
        "loras/; the original's TRAIN_OUTPUT_ROOT too",
        validation_alias=AliasChoices("lora_dir", "train_output_root"),
    )
    gpu_model: str = ""
    disable_xformers: bool = False

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("api_keys", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("request_timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> int:
        try:
            seconds = int(str(value).strip())
        except ValueError:
            raise ValueError(f"must be a whole number of seconds, got {value!r}") from None
        if not 30 <= seconds <= 3600:
            raise ValueError(f"must be between 30 and 3600 seconds, got {seconds}")
        return seconds

    @field_validator("api_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        optional_rate(value)
        return value.strip()

    @model_validator(mode="after")
    def _safe(self) -> Settings:
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ValueError(
                "CORS_ORIGINS='*' together with CORS_ALLOW_CREDENTIALS=true lets any web site act "
                "as the signed-in user; list the allowed origins instead"
            )
        if self.csrf_secret_key is not None and len(self.csrf_secret_key.get_secret_value()) < 16:
            raise ValueError("CSRF_SECRET_KEY must be at least 16 characters long")
        if self.reload and self.workers > 1:
            raise ValueError("RELOAD=true works with WORKERS=1 only")
        if self.storage_url and self.executor == "local":
            raise ValueError(
                "STORAGE_URL is for EXECUTOR=celery (workers on other machines); local workers "
                "keep job files in DATA_DIR, so leave STORAGE_URL empty"
            )
        if self.executor == "celery" and not self.celery_broker_url.strip():
            raise ValueError("EXECUTOR=celery needs CELERY_BROKER_URL, e.g. redis://host:6379/0")
        return self

    # -- derived values ------------------------------------------------------------------------

    @property
    def rate_limit(self) -> tuple[int, float] | None:
        """(requests, window seconds), or None when rate limiting is off."""
        return optional_rate(self.api_rate_limit)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'jobs.db').resolve()}"

    @property
    def loopback_only(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"


def _format(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
        message = str(err["msg"]).removeprefix("Value error, ")
        shown = err.get("input")
        got = "" if isinstance(shown, dict) or "got" in message else f" (got {shown!r})"
        if "secret" in name.lower() or "KEYS" in name:
            got = ""
        parts.append(f"{name}: {message}{got}")
    return "invalid service settings: " + "; ".join(parts)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment (keyword arguments win). Raises ConfigError."""
    _say_which_wins()
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_format(exc)) from None
