"""Benchmark: a manual PUBLISH distribution to --customers customers, delivered to nginx.

Issue 23, target 7. On a fresh database (a SQLite file, or a scratch PostgreSQL database on
127.0.0.1:5432) a real ``sendout serve`` (its worker in the same process, and on SQLite its
dispatch helper beside it) gets, through the API:

1. --customers customers (``POST /v1/customers``, one per request at concurrency 32: the
   product has no bulk customer import; the rate is printed);
2. a STATIC campaign of max(--customers, 100,000) codes;
3. a manual distribution, ``PUBLISH`` from that campaign, with one webhook channel to nginx
   (started here, answering 204 to everything; ``bench/deliver.py``), to every customer
   (``recipients.filter`` on their city).

While it runs, every --every seconds a line says how many send-outs are made and how many
are delivered, so delivery starving behind dispatch shows. At the end: the time to make all
send-outs and to deliver them all; the CPU of the Sendout processes (``utime + stime`` of the
server and every process under it, children included, from ``/proc/PID/stat``; start-up and
the customers' creation are left out: the count starts when the distribution is created) per
send-out; nginx's CPU per request in the same run; the peak RSS (``VmHWM``) of each Sendout
process. Then it checks from the database that every customer got exactly one code, no code
went twice, each send-out carried its customer's code, and one
``customer.publication.succeeded`` event was recorded per publication.

The reference, --single-events events (20,000; 0 to skip) in the same run and against the
same nginx: a PLAIN distribution with one webhook channel on a custom event, the events
recorded by ``sendout serve --no-worker``, then drained by ``sendout worker``: its CPU per
send-out, measured the same way from the moment the worker says it started. The bulk figure
is printed as a ratio of it (the target: <= 1.5).

Every process started here is stopped by its PID; every loop is bounded in time. Nothing
leaves 127.0.0.1.

    .venv/bin/python bench/bulk_publish.py [--customers 100000] [--single-events 20000]
        [--backend sqlite|postgresql] [--every 10] [--skip-install]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from deliver_db import Database  # bench/ is on sys.path when run as a script
from deliver_load import wait_ready
from procs import (
    APP_ID,
    APP_TOKEN,
    HEADERS,
    ensure_tool,
    free_port,
    start_nginx,
    start_server,
    stop,
)
from scratch import scratch_database

CITY = "Bulkville"  # every customer's city: the distribution's recipients filter
MIN_CODES = 100_000
POST_CONCURRENCY = 32
CREATE_LIMIT = 900.0  # seconds: creating customers or recording events stops by itself
RUN_LIMIT = 1800.0  # seconds: the distribution's wait stops by itself, done or not
SETTLE_LIMIT = 120.0  # seconds to wait for the customers' own events to be dispatched
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAYLOAD = '{"code": "{{voucher.code}}", "to": "{{customer.email}}", "id": "{{customer.id}}"}'


# -- processes, read from /proc --------------------------------------------------------------


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # the name may hold spaces and brackets


def tree(pid: int) -> list[int]:
    """``pid`` and every live process under it."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents.setdefault(int(_stat_fields(int(entry))[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` and of every process under it, live or waited for."""
    total = 0
    for member in tree(pid):
        try:
            fields = _stat_fields(member)
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLOCK_TICKS


def peak_rss_mb(pid: int) -> dict[str, float]:
    """VmHWM of ``pid`` and of each process under it, by command line, in MB."""
    peaks: dict[str, float] = {}
    for member in tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
            command = Path(f"/proc/{member}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                name = " ".join(c.decode() for c in command[1:4] if c)
                peaks[f"{member} {name}"] = int(line.split()[1]) / 1024
    return peaks


@dataclass
class CpuMark:
    sendout: float
    nginx: float

    @classmethod
    def now(cls, sendout_pid: int, nginx_pid: int) -> CpuMark:
        return cls(cpu_seconds(sendout_pid), cpu_seconds(nginx_pid))


def profile(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling ``pid`` at 200 Hz into ``out`` (raw stacks), until stopped."""
    py_spy = Path(sys.executable).parent / "py-spy"
    command = [str(py_spy), "record", "-f", "raw", "-r", "200", "-o", str(out), "--pid", str(pid)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# -- the API -----------------------------------------------------------------------------


async def post_many(
    session: aiohttp.ClientSession, url: str, bodies: Callable[[int], bytes], count: int
) -> tuple[int, float]:
    """POST ``bodies(n)`` for n < count from POST_CONCURRENCY clients: how many were
    accepted, and the seconds it took."""
    started = time.monotonic()
    deadline = started + CREATE_LIMIT
    next_n, accepted = 0, 0

    async def client() -> None:
        nonlocal next_n, accepted
        while next_n < count and time.monotonic() < deadline:
            n, next_n = next_n, next_n + 1
            async with session.post(url, data=bodies(n), headers=HEADERS) as response:
                await response.read()
                accepted += response.status == 200

    await asyncio.gather(*(client() for _ in range(POST_CONCURRENCY)))
    return accepted, time.monotonic() - started


async def call(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> Any:
    data = None if body is None else orjson.dumps(body)
    async with session.request(method, url, data=data, headers=HEADERS) as response:
        answer = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {url}: {response.status} {answer[:300]!r}")
        return orjson.loads(answer)


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


async def counts(db: Database, distribution_id: str) -> tuple[int, int]:
    ((made, delivered),) = await db.fetch(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'DELIVERED' THEN 1 ELSE 0 END), 0) "
        f"FROM sendouts WHERE distribution_id = '{distribution_id}'"
    )
    return int(made), int(delivered)


# -- the bulk run --------------------------------------------------------------------------


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


# -- the reference: recorded events drained by ``sendout worker`` ---------------------------


def start_worker(database_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SENDOUT_DATABASE_URL": database_url,
        "SENDOUT_APP_ID": APP_ID,
        "SENDOUT_APP_TOKEN": APP_TOKEN,
        "SENDOUT_ALLOWED_TARGETS": "127.0.0.0/8",
        "SENDOUT_LOG_LEVEL": "INFO",  # its "worker started" line ends the start-up
        "SENDOUT_METRICS_PORT": "off",
    }
    with (workdir / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "sendout", "worker"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def single_run(
    backend: str, events: int, nginx_pid: int, hook: str
) -> tuple[float, float, float]:
    """CPU us per send-out of ``sendout worker`` draining ``events`` recorded events, nginx's
    CPU us per request meanwhile, and the drain's send-outs/s."""
    async with scratch_database(backend, "single") as (database_url, workdir):
        db = Database(database_url)
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        server = start_server(database_url, workdir, port, None, worker=False)
        worker: subprocess.Popen[bytes] | None = None
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as s:
                await wait_ready(s, api, server)
                created = await call(
                    s,
                    "POST",
                    f"{api}/v1/distributions",
                    {
                        "name": "single",
                        "status": "ACTIVE",
                        "trigger": {"event": "customer.custom_event", "custom_event": "single"},
                        "action": {"type": "PLAIN"},
                        "channels": [
                            {
                                "type": "webhook",
                                "event_name": "single",
                                "url": hook,
                                "payload": '{"to": "{{customer.email}}", "id": "{{customer.id}}"}',
                            }
                        ],
                    },
                )

                def event_body(n: int) -> bytes:
                    customer = {"source_id": f"s-{n % 1000}", "email": f"s{n % 1000}@example.com"}
                    return orjson.dumps({"event": "single", "customer": customer})

                accepted, _ = await post_many(s, f"{api}/v1/events", event_body, events)
            stop(server, signal.SIGINT, "sendout serve --no-worker")
            log_path = workdir / "worker.log"
            worker = start_worker(database_url, workdir)
            deadline = time.monotonic() + 60
            while b"worker started" not in (log_path.read_bytes() if log_path.exists() else b""):
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise RuntimeError("sendout worker did not start")
                await asyncio.sleep(0.005)
            before = CpuMark.now(worker.pid, nginx_pid)
            started = time.monotonic()
            deadline = started + RUN_LIMIT
            while time.monotonic() < deadline:
                _, delivered = await counts(db, str(created["id"]))
                if delivered >= accepted:
                    break
                await asyncio.sleep(0.2)
            took = time.monotonic() - started
            after = CpuMark.now(worker.pid, nginx_pid)
        finally:
            await db.close()
            stop(server, signal.SIGINT, "sendout serve")
            if worker is not None:
                stop(worker, signal.SIGINT, "sendout worker")
    done = max(delivered, 1)
    if delivered < accepted:
        print(f"  reference: only {delivered:,} of {accepted:,} delivered")
    return (
        (after.sendout - before.sendout) / done * 1e6,
        (after.nginx - before.nginx) / done * 1e6,
        done / took,
    )


# -- main ----------------------------------------------------------------------------------


def describe(bulk: Bulk, reference: tuple[float, float, float] | None) -> Sequence[str]:
    def seconds(value: float | None) -> str:
        return "not reached" if value is None else f"{value:.1f} s"

    lines = [
        f"customers created through the API: {bulk.create_rate:,.0f}/s",
        f"all {bulk.customers:,} send-outs made in {seconds(bulk.made_s)}, "
        f"delivered in {seconds(bulk.delivered_s)} ({bulk.delivered:,} delivered)",
        f"Sendout CPU per send-out: {bulk.cpu_us:,.0f} us (serve, its worker and helper)",
        f"nginx CPU per request: {bulk.nginx_us:,.1f} us (Sendout at "
        f"{bulk.cpu_us / max(bulk.nginx_us, 0.01):,.0f} x)",
        "peak RSS: " + ", ".join(f"{mb:,.0f} MB ({name})" for name, mb in bulk.peaks.items()),
    ]
    if reference is not None:
        cpu, nginx, rate = reference
        ratio = bulk.cpu_us / cpu
        lines.append(
            f"single-event path (sendout worker draining recorded events): {cpu:,.0f} us per "
            f"send-out, {rate:,.0f} send-outs/s, nginx {nginx:,.1f} us per request"
        )
        lines.append(
            f"bulk / single-event CPU per send-out: {ratio:.2f} x "
            f"(target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})"
        )
    if bulk.problems:
        lines.append("PROBLEMS: " + "; ".join(bulk.problems))
    else:
        lines.append(
            f"checked: {bulk.customers:,} publications, one per customer, no code twice, "
            "each send-out with its customer's code, one publication event each"
        )
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--single-events", type=int, default=20_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between lines")
    parser.add_argument("--skip-install", action="store_true")
    parser.add_argument("--profile", help="write py-spy's raw stacks of the server here")
    args = parser.parse_args()
    nginx_path = ensure_tool("nginx", ["nginx-light", "nginx"], args.skip_install)
    with tempfile.TemporaryDirectory(prefix="sendout-bulk-") as tmp:
        port = free_port()
        nginx = start_nginx(nginx_path, Path(tmp), port)
        hook = f"http://127.0.0.1:{port}/bulk"
        try:
            print(f"bulk PUBLISH to {args.customers:,} customers ({args.backend})", flush=True)
            bulk = await bulk_run(args.backend, args, nginx.pid, hook)
            reference = None
            if args.single_events:
                print(f"reference: {args.single_events:,} recorded events, sendout worker")
                reference = await single_run(args.backend, args.single_events, nginx.pid, hook)
        finally:
            stop(nginx, signal.SIGQUIT, "nginx")
    print()
    for line in describe(bulk, reference):
        print(line)
    if bulk.problems:
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
