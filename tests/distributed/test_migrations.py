"""The job database is created and upgraded through Alembic, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from v2v.errors import ConfigError
from v2v.service.db import Base, Database
from v2v.service.jobs.store import JobStore
from v2v.service.migrate import alembic_config, current_revision, ensure_schema, head_revision


def _differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.create_tables()
        # a model change without a migration shows up here: write one with
        # `alembic revision --autogenerate -m "..."` (alembic.ini at the repository root)
        assert _differences(database) == []
        with database.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        job = JobStore(database).create("convert", "owner", "cid", {"overrides": {"a": 1}})
        assert JobStore(database).get(job.id) == job
    finally:
        database.dispose()


def test_a_database_made_before_migrations_is_adopted_and_keeps_its_jobs(
    database_url: str,
) -> None:
    database = Database(database_url)
    try:
        # how the service created tables before (the tables of then: later ones come by migration)
        baseline = [Base.metadata.tables[name] for name in ("jobs", "api_keys")]
        Base.metadata.create_all(database.engine, tables=baseline)
        job = JobStore(database).create("convert", "owner", "cid", {})
        database.create_tables()
        with database.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
        assert JobStore(database).get(job.id) is not None
        assert _differences(database) == []
    finally:
        database.dispose()


def test_check_mode_refuses_a_database_that_is_behind(database_url: str) -> None:
    database = Database(database_url)
    try:
        with pytest.raises(ConfigError, match=r"migrate upgrade.*DATABASE_MIGRATE=auto"):
            database.create_tables(migrate=False)
        assert not inspect(database.engine).has_table("jobs")
        database.create_tables()
        database.create_tables(migrate=False)  # at head: passes
    finally:
        database.dispose()


def test_downgrade_to_nothing_and_back(database_url: str) -> None:
    database = Database(database_url)
    try:
        database.create_tables()
        with database.engine.connect() as connection:
            command.downgrade(alembic_config(connection), "base")
            connection.commit()
            assert not inspect(connection).has_table("jobs")
        assert ensure_schema(database.engine) == head_revision()
        assert inspect(database.engine).has_table("jobs")
    finally:
        database.dispose()


def test_processes_starting_together_migrate_once(database_url: str) -> None:
    """API replicas and workers start at the same time; the lock makes them take turns."""
    errors: list[BaseException] = []

    def start() -> None:
        database = Database(database_url)
        try:
            database.create_tables()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    database = Database(database_url)
    try:
        assert _differences(database) == []
    finally:
        database.dispose()
