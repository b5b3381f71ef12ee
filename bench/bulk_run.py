"""The bulk run of bench/bulk_publish.py: customers made through the API, a campaign of
codes, a manual PUBLISH distribution to all of them, timed and measured while it goes out,
then checked from the database (every customer one code, no code twice)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from bulk_measure import RUN_LIMIT, CpuMark, call, counts, peak_rss_mb, post_many, profile
from deliver_db import Database  # bench/ is on sys.path when run as a script
from deliver_load import wait_ready
from procs import free_port, start_server, stop
from scratch import scratch_database

CITY = "Bulkville"  # every customer's city: the distribution's recipients filter
MIN_CODES = 100_000
SETTLE_LIMIT = 120.0  # seconds to wait for the customers' own events to be dispatched
PAYLOAD = '{"code": "{{voucher.code}}", "to": "{{customer.email}}", "id": "{{customer.id}}"}'


def customer_body(n: int) -> bytes:
    return orjson.dumps(
        {"source_id": f"bulk-{n}", "email": f"c{n}@example.com", "address": {"city": CITY}}
    )


async def make_campaign(session: aiohttp.ClientSession, api: str, codes: int) -> str:
    created = await call(
        session,
        "POST",
        f"{api}/v1/campaigns",
        {
            "name": "Bulk",
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "vouchers_count": codes,
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "PERCENT", "percent_off": 10},
                "code_config": {"length": 12},
            },
        },
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        campaign = await call(session, "GET", f"{api}/v1/campaigns/{created['id']}")
        if campaign.get("creation_status") == "DONE":
            return str(created["id"])
        await asyncio.sleep(0.5)
    raise RuntimeError("campaign codes not ready")


async def settle(db: Database) -> None:
    """Wait until every recorded event is dispatched (the customers' ``customer.created``)."""
    deadline = time.monotonic() + SETTLE_LIMIT
    while time.monotonic() < deadline:
        ((waiting,),) = await db.fetch("SELECT COUNT(*) FROM events WHERE dispatched_at IS NULL")
        if not waiting:
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("the events recorded before the run were not dispatched in time")


@dataclass
class Bulk:
    customers: int
    create_rate: float
    made_s: float | None
    delivered_s: float | None
    made: int
    delivered: int
    cpu_us: float
    nginx_us: float
    peaks: dict[str, float]
    problems: list[str]


async def check_once(
    db: Database, campaign_id: str, distribution_id: str, wanted: int
) -> list[str]:
    """What is wrong with the publications, codes and send-outs (nothing: an empty list)."""
    problems = []
    publications = await db.fetch(
        f"SELECT customer_id, codes FROM publications WHERE campaign_id = '{campaign_id}'"
    )
    codes: list[str] = []
    for _, held in publications:
        codes.extend(orjson.loads(held) if isinstance(held, str) else held)
    holders = {customer for customer, _ in publications}
    if len(publications) != wanted:
        problems.append(f"{len(publications):,} publications for {wanted:,} customers")
    if len(holders) != len(publications):
        problems.append(f"{len(publications) - len(holders):,} customers published to twice")
    if len(set(codes)) != len(codes) or len(codes) != len(publications):
        problems.append(f"{len(codes) - len(set(codes)):,} codes published twice")
    ((held,),) = await db.fetch(
        f"SELECT COUNT(*) FROM vouchers WHERE campaign_id = '{campaign_id}' "
        "AND holder_id IS NOT NULL"
    )
    if held != wanted:
        problems.append(f"{held:,} codes held for {wanted:,} customers")
    ((announced,),) = await db.fetch(
        "SELECT COUNT(*) FROM events WHERE type = 'customer.publication.succeeded'"
    )
    if announced != wanted:
        problems.append(f"{announced:,} publication events for {wanted:,} publications")
    code_of = {}
    for customer, held_codes in publications:
        code_of[customer] = orjson.loads(held_codes) if isinstance(held_codes, str) else held_codes
    bodies = await db.fetch(
        f"SELECT customer_id, body FROM sendouts WHERE distribution_id = '{distribution_id}'"
    )
    wrong = sum(1 for c, b in bodies if [orjson.loads(bytes(b))["data"]["code"]] != code_of.get(c))
    if len(bodies) != wanted or wrong:
        problems.append(f"{len(bodies):,} send-outs, {wrong:,} without their customer's code")
    return problems


async def bulk_run(backend: str, args: argparse.Namespace, nginx_pid: int, hook: str) -> Bulk:
    async with scratch_database(backend, "bulk") as (database_url, workdir):
        db = Database(database_url)
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        server = start_server(database_url, workdir, port, None)
        profiler: subprocess.Popen[bytes] | None = None
        try:
            timeout = aiohttp.ClientTimeout(total=120)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                await wait_ready(session, api, server)
                accepted, took = await post_many(
                    session, f"{api}/v1/customers", customer_body, args.customers
                )
                if accepted != args.customers:
                    raise RuntimeError(f"{accepted:,} of {args.customers:,} customers created")
                rate = accepted / took
                print(f"  customers  {accepted:,} created in {took:.1f} s ({rate:,.0f}/s)")
                codes = max(args.customers, MIN_CODES)
                started = time.monotonic()
                campaign_id = await make_campaign(session, api, codes)
                print(f"  campaign   {codes:,} codes in {time.monotonic() - started:.1f} s")
                await settle(db)
                if args.profile is not None:  # py-spy samples the server (not the helper)
                    profiler = profile(server.pid, Path(args.profile))
                before = CpuMark.now(server.pid, nginx_pid)
                started = time.monotonic()
                created = await call(
                    session,
                    "POST",
                    f"{api}/v1/distributions",
                    {
                        "name": "Bulk",
                        "trigger": {"event": "manual_distribution_schedule"},
                        "action": {"type": "PUBLISH", "campaign_id": campaign_id},
                        "recipients": {"filter": {"city": CITY}},
                        "channels": [
                            {
                                "type": "webhook",
                                "event_name": "bulk",
                                "url": hook,
                                "payload": PAYLOAD,
                            }
                        ],
                    },
                )
            distribution_id = str(created["id"])
            made_s = delivered_s = None
            made = delivered = 0
            next_line = started + args.every
            deadline = started + RUN_LIMIT
            while time.monotonic() < deadline and delivered_s is None:
                await asyncio.sleep(0.2)
                made, delivered = await counts(db, distribution_id)
                now = time.monotonic()
                if made_s is None and made >= args.customers:
                    made_s = now - started
                if delivered >= args.customers:
                    delivered_s = now - started
                if now >= next_line:
                    print(f"  {now - started:6.0f} s  made {made:>9,}  delivered {delivered:>9,}")
                    next_line += args.every
            after = CpuMark.now(server.pid, nginx_pid)
            peaks = peak_rss_mb(server.pid)
            if profiler is not None:
                stop(profiler, signal.SIGINT, "py-spy")
            problems = await check_once(db, campaign_id, distribution_id, args.customers)
            errors = [
                line
                for line in (workdir / "server.log").read_text(errors="replace").splitlines()
                if "ERROR" in line
            ]
            if errors:
                problems.append(f"{len(errors)} errors in the server's log, the first: {errors[0]}")
        except Exception:
            log = (workdir / "server.log").read_text(errors="replace")
            print(f"server log, last lines:\n{log[-3000:]}", file=sys.stderr)
            raise
        finally:
            await db.close()
            stop(server, signal.SIGINT, "sendout serve")
    done = max(delivered, 1)
    return Bulk(
        customers=args.customers,
        create_rate=rate,
        made_s=made_s,
        delivered_s=delivered_s,
        made=made,
        delivered=delivered,
        cpu_us=(after.sendout - before.sendout) / done * 1e6,
        nginx_us=(after.nginx - before.nginx) / done * 1e6,
        peaks=peaks,
        problems=problems,
    )
