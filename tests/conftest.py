"""Shared fixtures: real databases (SQLite and PostgreSQL), a container, fresh projects.

Every test gets its own project, so tests share one database per backend yet never see each
other's rows (the multi-tenancy the product promises is what isolates them).

PostgreSQL tests run when a server answers on 127.0.0.1:5432 and are skipped otherwise;
``SENDOUT_TEST_REQUIRE_POSTGRES=1`` (set by CI) turns that skip into a failure.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from sendout.adapters.db.migrate import upgrade_async
from sendout.bootstrap import Container, bootstrap
from sendout.config import ENV_PREFIX, Settings
from sendout.domain.projects import IssuedKey
from sendout.services.accounts.projects import create_project

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
# Read at import: the clean_environ fixture below removes SENDOUT_* variables from tests.
REQUIRE_POSTGRES = os.environ.get("SENDOUT_TEST_REQUIRE_POSTGRES") == "1"


def postgres_available() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if postgres_available():
        return
    if REQUIRE_POSTGRES:
        pytest.fail("PostgreSQL is required (SENDOUT_TEST_REQUIRE_POSTGRES=1) but not reachable")
    pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


async def create_pg_database() -> str:
    name = f"sendout_test_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A migrated database of each backend, shared by the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sendout.db'}"
        await upgrade_async(url)
        yield url
        return
    require_postgres()
    name = await create_pg_database()
    url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    try:
        await upgrade_async(url)
        yield url
    finally:
        await drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
async def isolated_container(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Container]:
    """A container over a database of its own, that no test server's worker touches
    (for tests that must see exactly what one worker did)."""
    if request.param == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'isolated.db'}", None
    else:
        require_postgres()
        name = await create_pg_database()
        url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    await upgrade_async(url)
    container = bootstrap(Settings(database_url=url))
    try:
        yield container
    finally:
        await container.close()
        if name is not None:
            await drop_pg_database(name)


@pytest.fixture(scope="session")
async def container(database_url: str) -> AsyncIterator[Container]:
    container = bootstrap(Settings(database_url=database_url))
    yield container
    await container.close()


@pytest.fixture
async def project(container: Container) -> IssuedKey:
    """A fresh project with its key pair: this test's private corner of the database."""
    return await create_project(
        container.uow_factory, container.clock, container.rng, "test project"
    )


@pytest.fixture
def reference_dir() -> Iterator[Path]:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is not beside the checkout")
    return REFERENCE
