"""A statement that fails in the database leaves no customer data or secret in the log."""

from __future__ import annotations

import logging
import secrets

import orjson
import pytest
import sqlalchemy as sa

from sendout.adapters.db import tables
from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.entrypoints.api.app import create_app
from sendout.services.accounts.projects import create_project
from tests.db_faults import REFUSED_DOMAIN, refuse_customers_at_refused_domain
from tests.factories.api import call


async def test_a_failed_statements_error_does_not_carry_its_values(
    container: Container, project: IssuedKey
) -> None:
    secret = f"token-{secrets.token_hex(8)}"
    tx = await container.database.begin()
    try:
        with pytest.raises(sa.exc.IntegrityError) as failed:
            # metadata is NOT NULL: refused by the database, with the secret bound beside it.
            await tx.execute(
                sa.insert(tables.customers),
                {"id": "cust_x", "project_id": project.project.id, "email": secret},
            )
    finally:
        await tx.close()
    assert secret not in str(failed.value)
    assert "hidden" in str(failed.value)


async def test_a_statement_failing_in_the_database_is_logged_once_without_values(
    isolated_container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    container = isolated_container
    keys = await create_project(container.uow_factory, container.clock, container.rng, "logs")
    await refuse_customers_at_refused_domain(container)
    email = f"jane.{secrets.token_hex(6)}@{REFUSED_DOMAIN}"
    headers = {
        "X-App-Id": keys.app_id,
        "X-App-Token": keys.app_token,
        "Content-Type": "application/json",
    }
    body = orjson.dumps({"source_id": "jane", "email": email})
    with caplog.at_level(logging.DEBUG):
        status, response_headers, payload = await call(
            create_app(container), "POST", "/v1/customers", headers, body
        )
    assert status == 500, payload
    request_id = orjson.loads(payload)["request_id"]
    assert response_headers[b"x-request-id"] == request_id.encode()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, caplog.text
    assert email not in caplog.text
    assert keys.app_token not in caplog.text
    line = errors[0].getMessage()
    assert request_id in line
    assert "POST /v1/customers " in line
    assert "sqlalchemy.exc." in line  # the class, e.g. OperationalError or DBAPIError
    assert "Traceback (most recent call last)" in line
