"""Database: SQLAlchemy models for jobs and API keys, on SQLite (WAL) or PostgreSQL.

The URL comes from ``DATABASE_URL`` (default: ``sqlite:///<DATA_DIR>/jobs.db``). Times are stored as
naive UTC and read back as timezone-aware UTC. Tables are created and upgraded on start-up
through the Alembic migrations in ``v2v/service/migrations`` (see ``v2v.service.migrate``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from v2v.errors import ConfigError


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use v2v.service.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class db_now(FunctionElement[datetime]):
    """The database server's current UTC time (plus ``offset`` seconds), in SQL.

    Heartbeats are written and their age is judged with this one clock, so a worker or API
    machine whose clock is off never makes a live job look dead (or a dead one alive).
    """

    type = UTCDateTime()
    inherit_cache = False  # the offset is compiled into the text: never share a cached form

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = float(offset)
        super().__init__()


@compiles(db_now, "sqlite")
def _db_now_sqlite(element: db_now, compiler: SQLCompiler, **kw: Any) -> str:
    # the same text form SQLAlchemy stores ('YYYY-MM-DD HH:MM:SS.fff'), so comparisons hold
    return f"strftime('%Y-%m-%d %H:%M:%f', 'now', '{element.offset:+.3f} seconds')"


@compiles(db_now)
def _db_now_default(element: db_now, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL: naive UTC, like the stored values
    return f"(timezone('utc', statement_timestamp()) + make_interval(secs => {element.offset:.3f}))"


class Base(DeclarativeBase):
    pass


class JobRow(Base):
    """One conversion job. ``params``, ``progress``, ``timings``, ``files`` and ``qa`` are JSON."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    correlation_id: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(96), nullable=True)
    #: the current claim's token: every write of the run that holds it must name it (fencing)
    lease: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    phase: Mapped[str | None] = mapped_column(String(32), nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    timings: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    qa: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(48), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class JobTallyRow(Base):
    """Finished jobs that were deleted since (expired or removed), by final status: with the
    finished rows still present they give ``v2v_jobs_finished_total``, the same in every API
    process and across restarts."""

    __tablename__ = "job_tallies"

    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    deleted: Mapped[int] = mapped_column(Integer, default=0)


class ApiKeyRow(Base):
    """An API key: only its SHA-256 hash is stored; ``prefix`` finds the row quickly."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoraOwnerRow(Base):
    """Who trained a LoRA: recorded when its training job is queued (the id is chosen then), so
    a LoRA trained through the service is never without an owner. A LoRA in ``loras/`` with no
    row was put there by the operator and is shared."""

    __tablename__ = "lora_owners"

    lora_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    job_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")  # first: the WAL switch below may have to wait
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """An engine and a session factory for one database URL."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several types for bad URLs
            raise ConfigError(f"DATABASE_URL {url!r} is not a database URL: {exc}") from None
        self.url = url
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.engine: Engine = self._engine(url, parsed.database)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _engine(self, url: str, database: str | None) -> Engine:
        if not self.is_sqlite:
            try:
                return create_engine(url, pool_pre_ping=True, future=True)
            except ImportError as exc:
                raise ConfigError(
                    f"DATABASE_URL needs a database driver that is not installed ({exc.name}); "
                    "for PostgreSQL: pip install 'psycopg[binary]' and use postgresql+psycopg://"
                ) from None
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def create_tables(self, migrate: bool = True) -> None:
        """Bring the schema to the newest Alembic revision (``migrate=False``: only check it)."""
        from v2v.service.migrate import ensure_schema

        ensure_schema(self.engine, upgrade=migrate)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def ping(self) -> None:
        """Raise if the database cannot answer ``SELECT 1``."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
