"""The service's own job-store tests (tests/service/test_service_store.py), run on PostgreSQL.

Every test there that builds its settings through the ``make_settings`` fixture is collected here
again, with settings whose ``DATABASE_URL`` is a fresh PostgreSQL database. (Tests that open a
SQLite file themselves are covered for both databases by test_store_contract.py.)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.distributed.servers import Postgres
from tests.service import test_service_store as sqlite_tests
from tests.service.conftest import car_png, make_client  # noqa: F401 - fixtures used by the tests
from v2v.service import Settings, load_settings

_REUSED = [
    name
    for name, function in vars(sqlite_tests).items()
    if name.startswith("test_")
    and callable(function)
    and "make_settings" in inspect.signature(function).parameters
]
globals().update({name: getattr(sqlite_tests, name) for name in _REUSED})


def test_the_service_store_tests_are_collected_here() -> None:
    assert len(_REUSED) >= 3, "tests/service/test_service_store.py changed shape; update this file"


@pytest.fixture
def make_settings(tmp_path: Path, postgres: Postgres) -> Callable[..., Settings]:
    """Like the service tests' fixture, on PostgreSQL (a new database per test)."""
    url = postgres.create_database("store")

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "database_url": url,
            "worker_mode": "thread",
            "log_level": "warning",
            "api_rate_limit": "",
            "job_stale_seconds": 30,
            "cancel_grace_seconds": 2,
            "min_free_disk_mb": 0,
            "_env_file": None,
        }
        values.update(overrides)
        return load_settings(**values)

    return build
