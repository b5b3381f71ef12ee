"""Migration 0027 stores each existing send-out's source kind, read from its id's prefix one
last time (both backends)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.migrate import upgrade
from sendout.bootstrap import bootstrap
from sendout.config import Settings
from sendout.domain.sendouts import SourceKind, SourceRef
from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'before.db'}"
        return
    require_postgres()
    name = await create_pg_database()
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        await drop_pg_database(name)


def _sendout_row(sendout_id: str, source_id: str) -> dict[str, object]:
    """A send-out as revision 0026 stores it (no source kind, no lease token)."""
    return {
        "id": sendout_id,
        "project_id": "proj_m",
        "distribution_id": source_id,
        "channel_id": source_id,
        "channel": "joined",
        "event_id": f"evcus_{sendout_id}",
        "customer_id": None,
        "status": "DELIVERED",
        "url": "https://hooks.example.com/a",
        "headers": {},
        "body": b"{}",
        "reason": None,
        "attempts_count": 1,
        "next_attempt_at": None,
        "created_at": NOW,
        "updated_at": NOW,
        "event_type": "customer.custom_event",
    }


def _fill(conn: sa.Connection) -> None:
    conn.execute(sa.insert(t.projects).values(id="proj_m", name="m", created_at=NOW))
    conn.execute(
        sa.insert(t.sendouts),
        [
            _sendout_row("whs_d", "distr_1"),
            _sendout_row("whs_w", "wh_1"),
            # A distribution id that merely contains "wh_" is still a distribution's.
            _sendout_row("whs_x", "distr_wh_1"),
        ],
    )


async def test_the_source_kind_is_backfilled_from_the_id_prefix(empty_database: str) -> None:
    await asyncio.to_thread(upgrade, empty_database, "0026")
    before = bootstrap(Settings(database_url=empty_database))
    try:
        await before.database.run_sync(_fill)
    finally:
        await before.close()

    await asyncio.to_thread(upgrade, empty_database)

    after = bootstrap(Settings(database_url=empty_database))
    try:
        async with after.uow_factory() as uow:
            found = {s: await uow.sendouts.get("proj_m", s) for s in ("whs_d", "whs_w", "whs_x")}
    finally:
        await after.close()
    assert {s: None if f is None else (f.source, f.lease_token) for s, f in found.items()} == {
        "whs_d": (SourceRef(SourceKind.DISTRIBUTION, "distr_1"), None),
        "whs_w": (SourceRef(SourceKind.WEBHOOK, "wh_1"), None),
        "whs_x": (SourceRef(SourceKind.DISTRIBUTION, "distr_wh_1"), None),
    }
