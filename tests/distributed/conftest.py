"""Session fixtures: a real Redis and a real PostgreSQL on loopback, started for these tests.

Tests that need them are skipped (with the install command) only when the server binaries are
missing; CI installs them: ``apt-get install -y redis-server postgresql``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.distributed.servers import Postgres, find_binary, postgres_server, redis_server


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if find_binary("redis-server") is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if find_binary("initdb") is None or find_binary("pg_ctl") is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'jobs.db'}"
    server: Postgres = request.getfixturevalue("postgres")
    return server.create_database()
