"""Scheduled work shared by two workers, on PostgreSQL (the backend that scales out).

A manual distribution to a segment of 300 customers comes due a few seconds after it is
created, while two ``sendout worker`` processes (beside ``sendout serve --no-worker``) poll
every 50 ms, so both look for due work while the first one to take it is still recording the
recipients' events. Each recipient must get exactly one ``manual_distribution_schedule``
event, one send-out and one webhook: none twice, none missing.

Skipped without PostgreSQL on 127.0.0.1:5432, a failure instead when
``SENDOUT_TEST_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.chaos.harness import Api, Processes
from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)
from tests.e2e.conftest import Receiver, stop_server

RECIPIENTS = 300
LIVE_IN = 2.0  # seconds from the distribution's creation to its set_live_at
WAIT = 20.0  # seconds for every send-out to be DELIVERED once live
PAGE = 100  # the largest page of GET /v1/sendouts
MANUAL = "manual_distribution_schedule"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped at the end."""
    require_postgres()
    name = asyncio.run(create_pg_database())
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        asyncio.run(drop_pg_database(name))


def ok(api: Api, method: str, path: str, body: Any = None) -> Any:
    status, answer = api.call(method, path, body)
    assert status == 200, (method, path, status, answer)
    return answer


def iso_ms(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def all_sendouts(api: Api, distribution_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        listing = ok(
            api, "GET", f"/v1/sendouts?distribution_id={distribution_id}&limit={PAGE}&page={page}"
        )
        found.extend(listing["sendouts"])
        if not listing["has_more"]:
            return found
        page += 1


def delivered_count(api: Api, distribution_id: str) -> int:
    path = f"/v1/sendouts?distribution_id={distribution_id}&status=DELIVERED&limit=1"
    return int(ok(api, "GET", path)["total"])


def manual_events(database_url: str, distribution_id: str) -> list[asyncpg.Record]:
    """The distribution's ``manual_distribution_schedule`` events, read from the database
    (the activity API does not list this type)."""

    async def read() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(database_url)
        try:
            return list(
                await conn.fetch(
                    "SELECT id, customer_id, created_at, dispatched_at FROM events "
                    "WHERE type = $1 AND entity_id = $2",
                    MANUAL,
                    distribution_id,
                )
            )
        finally:
            await conn.close()

    return asyncio.run(read())


@pytest.mark.postgres
def test_postgres_two_workers_send_a_scheduled_manual_distribution_once_to_each_recipient(
    tmp_path: Path, postgres_url: str, receiver: Receiver
) -> None:
    settings = {"SENDOUT_WORKER_POLL_SECONDS": "0.05"}
    with Processes(tmp_path, postgres_url, settings) as procs:
        api = procs.api()  # migrates the fresh database before any worker starts
        workers = procs.workers(2)

        source_ids = [f"sched-{i:03d}" for i in range(RECIPIENTS)]
        with ThreadPoolExecutor(8) as pool:
            customers = list(
                pool.map(lambda s: ok(api, "POST", "/v1/customers", {"source_id": s}), source_ids)
            )
        id_of = {c["source_id"]: c["id"] for c in customers}
        segment = ok(
            api,
            "POST",
            "/v1/segments",
            {"name": "Scheduled", "type": "static", "customers": source_ids},
        )
        campaign = ok(
            api,
            "POST",
            "/v1/campaigns",
            {
                "name": "Scheduled codes",
                "type": "AUTO_UPDATE",
                "voucher": {
                    "type": "DISCOUNT_VOUCHER",
                    "discount": {"type": "PERCENT", "percent_off": 5},
                },
            },
        )

        live_at = datetime.now(UTC) + timedelta(seconds=LIVE_IN)
        created = ok(
            api,
            "POST",
            "/v1/distributions",
            {
                "name": "Scheduled mailing",
                "trigger": {"event": MANUAL},
                "action": {"type": "PUBLISH", "campaign_id": campaign["id"]},
                "recipients": {"segment_id": segment["id"]},
                "set_live_at": iso_ms(live_at),
                "channels": [
                    {
                        "event_name": "scheduled",
                        "url": receiver.url,
                        "payload": '{"to": "{{customer.source_id}}", "code": "{{voucher.code}}"}',
                    }
                ],
            },
        )
        distribution_id = created["id"]
        waiting = ok(api, "GET", f"/v1/distributions/{distribution_id}")
        assert datetime.now(UTC) < live_at, "the distribution was not created before it is due"
        assert waiting["status"] == "TO_SEND", waiting
        assert waiting["progress"]["done"] == 0, waiting

        deadline = live_at.timestamp() + WAIT
        delivered, current = 0, waiting
        while time.time() < deadline:
            current = ok(api, "GET", f"/v1/distributions/{distribution_id}")
            delivered = delivered_count(api, distribution_id)
            if current["status"] == "DONE" and delivered >= RECIPIENTS:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(
                f"{delivered} of {RECIPIENTS} DELIVERED, distribution {current}\n"
                f"{procs.log_tails()}"
            )
        assert all(w.poll() is None for w in workers), procs.log_tails()
        # Stopped (SIGTERM, work in flight finished) before counting: nothing is still being
        # recorded or sent when the counts below are taken.
        for worker in workers:
            stop_server(worker)
        logs = procs.log_tails()

        events = manual_events(postgres_url, distribution_id)
        sendouts = all_sendouts(api, distribution_id)
        final = ok(api, "GET", f"/v1/distributions/{distribution_id}")
        publications = ok(api, "GET", f"/v1/publications?campaign={campaign['id']}&limit=1")

    with receiver.lock:
        bodies = [json.loads(body) for _, body in receiver.requests]

    # One event per recipient, recorded once the distribution was due.
    per_customer = Counter(e["customer_id"] for e in events)
    assert set(per_customer) == set(id_of.values()), (
        f"events for {len(per_customer)} of {RECIPIENTS} recipients"
    )
    twice = {c: n for c, n in per_customer.items() if n > 1}
    assert not twice, f"{len(twice)} recipients got more than one {MANUAL} event\n{logs}"
    assert len(events) == RECIPIENTS
    assert all(e["dispatched_at"] is not None for e in events)
    due = live_at.replace(microsecond=live_at.microsecond // 1000 * 1000)  # as sent
    first = min(e["created_at"] for e in events)
    assert first >= due, f"recorded at {first}, before the distribution was due at {due}"

    # One send-out per event, each DELIVERED.
    assert Counter(s["customer_id"] for s in sendouts) == Counter(set(id_of.values()))
    assert {s["event_id"] for s in sendouts} == {e["id"] for e in events}
    assert {s["status"] for s in sendouts} == {"DELIVERED"}
    assert len(sendouts) == RECIPIENTS

    # One webhook per recipient, each with a code of its own.
    arrived = Counter(b["data"]["to"] for b in bodies)
    assert arrived == Counter(source_ids), {s: n for s, n in arrived.items() if n != 1}
    assert len({b["data"]["code"] for b in bodies}) == RECIPIENTS
    assert {b["id"] for b in bodies} == {s["id"] for s in sendouts}
    assert publications["total"] == RECIPIENTS

    assert final["status"] == "DONE", final
    assert final["progress"] == {"done": RECIPIENTS, "total": RECIPIENTS}
