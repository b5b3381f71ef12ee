"""The API keeps the contract its ``/openapi.json`` states: schemathesis calls every operation
of a live ``sendout serve`` (SQLite, a fresh project with a real key pair) with a few
generated requests each, and checks that no answer is a server error and that every answer's
status, content type and body are the ones documented.

Bounded for CI: a few derandomized examples per operation (the same requests every run).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sendout.adapters.db.migrate import upgrade_async
from sendout.bootstrap import bootstrap
from sendout.config import Settings
from sendout.domain.projects import IssuedKey
from sendout.services.accounts.projects import create_project
from tests.e2e.conftest import Server, start_server, stop_server

EXAMPLES_PER_OPERATION = 5
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
async def live(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Server, IssuedKey]]:
    workdir: Path = tmp_path_factory.mktemp("contract")
    url = f"sqlite:///{workdir / 'contract.db'}"
    await upgrade_async(url)
    container = bootstrap(Settings(database_url=url))
    try:
        keys = await create_project(container.uow_factory, container.clock, container.rng, "c")
    finally:
        await container.close()
    process, server = start_server(url, workdir)
    yield server, keys
    stop_server(process)


@pytest.fixture(scope="module")
def live_schema(live: tuple[Server, IssuedKey]) -> schemathesis.BaseSchema:
    server, _ = live
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


def test_every_operation_keeps_its_contract(
    live_schema: schemathesis.BaseSchema, live: tuple[Server, IssuedKey]
) -> None:
    _, keys = live
    headers = {"X-App-Id": keys.app_id, "X-App-Token": keys.app_token}
    failures: list[str] = []
    operations = 0
    for result in live_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # all failures, reported together
            failures.append(f"{operation.label}: {exc}")
    assert operations > 100, f"only {operations} operations in the schema"
    assert not failures, (
        f"{len(failures)} of {operations} operations break the contract:\n" + "\n\n".join(failures)
    )
