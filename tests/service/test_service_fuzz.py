"""Property-based fuzzing of the whole API from its OpenAPI schema (schemathesis), with an API key
and in the no-key local mode: no request, valid or not, may produce a server error, and every
response must match the documented schema.

``make test`` runs the fast part (a few examples per operation, then a stateful run that
follows the links between operations). ``make chaos`` runs the same with ``V2V_FUZZ_EXAMPLES``
examples per operation (default there: 60) and longer stateful runs. Each run prints its figures:
operations, requests sent, 5xx answers (must be 0).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.service.conftest import FIGURES, LOCAL, LOCAL_URL
from v2v.service import create_app, load_settings

schemathesis = pytest.importorskip("schemathesis")
checks = pytest.importorskip("schemathesis.checks")
KEY = "fuzzing-key-0123456789"
EXAMPLES = int(os.environ.get("V2V_FUZZ_EXAMPLES", "4"))
STATEFUL_STEPS = int(os.environ.get("V2V_FUZZ_STATEFUL", "30"))
HOST = {"Host": "localhost"}  # schemathesis sends 'testserver' otherwise (not in ALLOWED_HOSTS)


def _local(app: Any) -> Any:
    """The app as a client on this machine sees it (schemathesis' ASGI client has no address)."""

    async def shim(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": LOCAL}
        await app(scope, receive, send)

    return shim


@pytest.fixture(params=["with-key", "no-key"])
def fuzzed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, dict[str, str]]]:
    """(ASGI app, headers to send): keys configured and sent, or none configured (local mode)."""
    keyed = request.param == "with-key"
    app = create_app(
        load_settings(
            _env_file=None,
            data_dir=tmp_path / "data",
            worker_mode="thread",
            log_level="critical",
            api_rate_limit="",
            auth_failure_limit="",
            min_free_disk_mb=0,
            # schemathesis' own re-requests (the auth check) send Host: testserver
            allowed_hosts="localhost,testserver",
            **({"api_keys": KEY} if keyed else {}),
        ),
        runner="tests.service.fakes:quick",
    )
    with TestClient(app, client=LOCAL, base_url=LOCAL_URL):  # runs the lifespan
        yield _local(app), {**HOST, **({"X-API-Key": KEY} if keyed else {})}


#: the one documented 5xx a healthy server gives here: training needs weights this machine lacks
UNAVAILABLE = {"backend_unavailable", "weights_missing"}


class Tally:
    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.unavailable = 0

    def record(self, response: Any) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code == 503 and _code(response) in UNAVAILABLE:
            self.unavailable += 1

    @property
    def server_errors(self) -> int:
        """5xx answers other than the documented 'this backend cannot run here' (503)."""
        return sum(n for status, n in self.statuses.items() if status >= 500) - self.unavailable


def _code(response: Any) -> str | None:
    try:
        return str(response.json().get("code"))
    except ValueError:
        return None


def _excluded(headers: dict[str, str]) -> list[Any]:
    """Photos are checked by content, which a schema cannot express: random bytes that fit the
    schema are rightly refused (415/400), so that check does not apply; without keys the local
    mode needs no authentication by design, so neither does the ignored-auth check. Server errors
    are counted by the Tally instead (a 503 'training cannot run here' is a right answer)."""
    excluded = [checks.positive_data_acceptance, checks.not_a_server_error]  # Tally counts 5xx
    if "X-API-Key" not in headers:
        excluded.append(checks.ignored_auth)
    return excluded


def _fuzz(operation: Any, headers: dict[str, str], tally: Tally) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        tally.record(response)
        case.validate_response(response, excluded_checks=_excluded(headers))

    check()


def test_no_server_errors_and_responses_match_the_schema(
    fuzzed: tuple[Any, dict[str, str]],
) -> None:
    app, headers = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=HOST)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    tally = Tally()
    for operation in operations:
        _fuzz(operation, headers, tally)
    total = sum(tally.statuses.values())
    mode = "with key" if "X-API-Key" in headers else "no key"
    FIGURES.append(
        f"schemathesis {mode}: {len(operations)} operations, {total} requests, "
        f"5xx: {tally.server_errors}, statuses: {dict(sorted(tally.statuses.items()))} "
        f"(503s: backend unavailable here)"
    )
    assert total >= len(operations) and tally.server_errors == 0


def test_stateful_runs_follow_links_without_server_errors(
    fuzzed: tuple[Any, dict[str, str]],
) -> None:
    """Sequences of calls (create a job, read it, cancel it, download, delete…) chained through
    the schema's links and the Location headers."""
    app, headers = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=HOST)
    tally = Tally()
    machine = schema.as_state_machine()

    class Run(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def after_call(self, response: Any, case: Any) -> None:
            tally.record(response)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=_excluded(headers))

    run_state_machine_as_test(
        Run,
        settings=settings(
            max_examples=max(1, STATEFUL_STEPS // 10),
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    total = sum(tally.statuses.values())
    mode = "with key" if "X-API-Key" in headers else "no key"
    FIGURES.append(
        f"schemathesis stateful {mode}: {total} requests, 5xx: {tally.server_errors}, "
        f"statuses: {dict(sorted(tally.statuses.items()))}"
    )
    assert total > 0 and tally.server_errors == 0
