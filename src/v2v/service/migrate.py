"""Schema migrations (Alembic): the job database is created and upgraded through them.

:func:`ensure_schema` brings a database to the newest revision, creating the tables on an empty
one. A database that ``Base.metadata.create_all`` made before migrations existed is stamped as
revision ``0001`` (the same schema) first. With ``upgrade=False`` it only checks, and raises
``ConfigError`` when the schema is behind (``DATABASE_MIGRATE=check``: migrations run as a separate
deployment step, ``python -m v2v.service.migrate upgrade``).

Several processes may start at once (API replicas, workers); they take turns through a lock:
``pg_advisory_lock`` on PostgreSQL, a lock file beside a SQLite database file.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from v2v.errors import ConfigError

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # the schema create_all made before Alembic
_PG_LOCK_KEY = 0x7632_7600  # arbitrary constant shared by every v2v process ("v2v")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision the code knows."""
    head = _scripts().get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return MigrationContext.configure(connection).get_current_revision()


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection held under the migration lock (for SQLite the lock is taken before the
    connection is opened: opening one switches the file to WAL, which needs it alone)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        import fcntl

        with open(f"{database}.migrate-lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                with engine.connect() as connection:
                    yield connection
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                connection.commit()
            return
        yield connection


def _check_known(current: str | None) -> None:
    if current is None:
        return
    try:
        known = _scripts().get_revision(current)
    except Exception:  # noqa: BLE001 - alembic raises several types for an unknown revision
        known = None
    if known is None:
        raise ConfigError(
            f"the job database is at schema revision {current!r}, which this version of v2v does "
            "not know (a newer version migrated it); upgrade v2v on this machine"
        )


def ensure_schema(engine: Engine, upgrade: bool = True) -> str:
    """Bring the database to the newest revision (or check it is there); returns the revision.

    Raises ConfigError when ``upgrade`` is False and the schema is behind, or when the database
    was migrated by a newer version of v2v.
    """
    head = head_revision()
    with _locked(engine) as connection:
        current = current_revision(connection)
        if current is None and inspect(connection).has_table("jobs"):
            command.stamp(alembic_config(connection), BASELINE)
            connection.commit()
            current = BASELINE
        _check_known(current)
        if current == head:
            return head
        if not upgrade:
            raise ConfigError(
                f"the job database schema is at {current or 'no revision'}, this version needs "
                f"{head}; run `python -m v2v.service.migrate upgrade` once, or set "
                "DATABASE_MIGRATE=auto to upgrade at start-up"
            )
        command.upgrade(alembic_config(connection), "head")
        connection.commit()
    return head


def main(argv: list[str] | None = None) -> int:
    """``python -m v2v.service.migrate upgrade|check|current`` on ``DATABASE_URL`` (settings)."""
    from v2v.service.db import Database
    from v2v.service.settings import load_settings

    action = (argv if argv is not None else sys.argv[1:]) or ["upgrade"]
    if action[0] not in {"upgrade", "check", "current"}:
        sys.stderr.write("usage: python -m v2v.service.migrate [upgrade|check|current]\n")
        return 2
    try:
        database = Database(load_settings().resolved_database_url)
        try:
            if action[0] == "current":
                with database.engine.connect() as connection:
                    revision = current_revision(connection) or "none"
            else:
                revision = ensure_schema(database.engine, upgrade=action[0] == "upgrade")
        finally:
            database.dispose()
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    sys.stdout.write(f"{revision} (head {head_revision()})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
