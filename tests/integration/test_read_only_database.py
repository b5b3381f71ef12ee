"""A database that answers but refuses writes (an SQLite file the process could only open
read-only, a PostgreSQL server in read-only mode) is not ready, and once it takes writes again
the same process writes again, without a restart.

SQLite: tests run as root, whom file permissions do not stop, so the file is made immutable
(``chattr +i``: refused to root too, undone by ``chattr -i``). SQLite then opens it read-only,
as it does a file it may not write, and every write fails with SQLITE_READONLY; the connection
stays read-only after the file is writable again. PostgreSQL: ``default_transaction_read_only``
on the database (what a standby after a failover does to every session), connections ended so
that new ones take it; sessions opened meanwhile stay read-only for their life.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from sendout.adapters.db.migrate import upgrade_async
from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.entrypoints.api.app import create_app
from sendout.services.accounts.projects import create_project
from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)
from tests.db_faults import end_connections
from tests.factories.api import call


async def readiness(container: Container) -> tuple[int, Any]:
    status, _, body = await call(create_app(container), "GET", "/readyz", {}, b"")
    return status, orjson.loads(body)


async def writes(container: Container) -> bool:
    try:
        await create_project(container.uow_factory, container.clock, container.rng, "w")
    except Exception:
        return False
    return True


async def assert_refuses_writes_then_recovers(container: Container, make_writable: Any) -> None:
    assert await readiness(container) == (
        503,
        {"status": "unavailable", "database": "not_writable"},
    )
    assert not await writes(container)
    assert not await writes(container)  # still refused: nothing changed yet
    await make_writable()
    assert await writes(container)  # the same process, at once
    assert await readiness(container) == (200, {"status": "ok", "database": "ok"})


def chattr(flag: str, path: Path) -> None:
    subprocess.run(["chattr", flag, str(path)], check=True, capture_output=True)


@pytest.fixture
def immutable_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "read-only.db"
    path.touch()
    try:
        chattr("+i", path)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a file immutable here (chattr +i): {exc}")
    chattr("-i", path)
    yield path
    chattr("-i", path)  # whatever the test left, so that pytest can remove it


async def test_sqlite_a_file_opened_read_only_is_not_ready_and_is_written_once_writable(
    immutable_file: Path,
) -> None:
    url = f"sqlite:///{immutable_file}"
    await upgrade_async(url)
    container = bootstrap(Settings(database_url=url))
    assert await writes(container)  # as a process that ran before: the file is in WAL mode
    await container.close()
    chattr("+i", immutable_file)
    container = bootstrap(Settings(database_url=url))
    try:

        async def make_writable() -> None:
            chattr("-i", immutable_file)

        await assert_refuses_writes_then_recovers(container, make_writable)
    finally:
        await container.close()


@pytest.fixture
async def postgres_name() -> AsyncIterator[str]:
    require_postgres()
    name = await create_pg_database()
    yield name
    await drop_pg_database(name)


async def set_read_only(name: str, on: bool) -> None:
    admin = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        value = "on" if on else "off"
        await admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {value}')
    finally:
        await admin.close()


async def test_postgres_a_read_only_server_is_not_ready_and_is_written_once_writable(
    postgres_name: str,
) -> None:
    url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{postgres_name}"
    await upgrade_async(url)
    container = bootstrap(Settings(database_url=url))
    try:
        assert await writes(container)
        await set_read_only(postgres_name, True)
        await end_connections(postgres_name)  # the pool's connection: read-only when opened again

        async def make_writable() -> None:
            await set_read_only(postgres_name, False)  # for sessions opened from now on

        await assert_refuses_writes_then_recovers(container, make_writable)
    finally:
        await container.close()
