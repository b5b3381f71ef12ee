"""Benchmark: ``POST /v1/publications`` throughput and latency at concurrency 32.

For each backend (SQLite file in a temporary directory, or a scratch PostgreSQL database on
127.0.0.1:5432, user postgres, created and dropped here) it starts a real ``sendout serve``,
creates a STATIC ``DISCOUNT_COUPONS`` campaign holding one code per publication (warm-up
included), waits for its codes to be generated, sends a warm-up and then --publications
publications (one code each, to one of --customers returning customers) from --concurrency
keep-alive connections, and prints publications/s and p50/p90/p99 latency. Afterwards it
checks, from the responses and from the server's publication and voucher lists, that no code
was published twice. The server is stopped by its PID. Nothing leaves 127.0.0.1.

    .venv/bin/python bench/publish.py [--publications 10000] [--concurrency 32]
        [--customers 1000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from api_ingest import (
    Run,
    create_campaign,
    free_port,
    get_json,
    percentile,
    post_all,
    start_server,
    stop_server,
    wait_ready,
)
from scratch import pg_admin

CAMPAIGN = "Bench"
WARMUP_PUBLICATIONS = 500
PAGE_LIMIT = 100  # the API's largest page


async def make_campaign(session: aiohttp.ClientSession, url: str, vouchers: int) -> str:
    campaign_id, took = await create_campaign(
        session,
        url,
        {
            "name": CAMPAIGN,
            "campaign_type": "DISCOUNT_COUPONS",
            "type": "STATIC",
            "vouchers_count": vouchers,
            "voucher": {
                "type": "DISCOUNT_VOUCHER",
                "discount": {"type": "PERCENT", "percent_off": 10},
                "code_config": {"length": 10},
            },
        },
    )
    print(f"  campaign   {vouchers:,} codes ready in {took:.1f} s")
    return campaign_id


async def publish(
    session: aiohttp.ClientSession,
    url: str,
    first: int,
    total: int,
    concurrency: int,
    customers: int,
    time_limit: float,
) -> Run:
    bodies = [
        orjson.dumps(
            {
                "campaign": {"name": CAMPAIGN, "count": 1},
                "customer": {"source_id": f"bench-{n % customers}"},
            }
        )
        for n in range(first, first + total)
    ]

    def judge(index: int, status: int, answer: bytes) -> str | None:
        return str(orjson.loads(answer)["voucher"]["code"]) if status == 200 else None

    return await post_all(session, f"{url}/v1/publications", bodies, concurrency, time_limit, judge)


async def paged(
    session: aiohttp.ClientSession, url: str, resource: str, expected: int
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a campaign-filtered list, page by page (bounded: the pages ``expected``
    items need, plus a few)."""
    items: list[dict[str, Any]] = []
    total = 0
    for page in range(1, expected // PAGE_LIMIT + 5):
        answer = await get_json(
            session,
            f"{url}/v1/{resource}?campaign={CAMPAIGN}&limit={PAGE_LIMIT}&page={page}"
            "&order=created_at",
        )
        items.extend(answer[answer["data_ref"]])
        total = int(answer["total"])
        if not answer["has_more"]:
            break
    return items, total


async def verify(
    session: aiohttp.ClientSession, url: str, published: list[str], vouchers: int
) -> tuple[bool, list[str]]:
    """No code published twice: in the answers, in the publications list, in the codes."""
    successes = len(published)
    answered = len(set(published))
    publications, publications_total = await paged(session, url, "publications", successes)
    listed = {p["voucher"]["code"] for p in publications if "voucher" in p}
    codes, codes_total = await paged(session, url, "vouchers", vouchers)
    held = {v["code"] for v in codes if v.get("holder_id")}
    ok = (
        answered == successes
        and publications_total == len(publications) == successes
        and len(listed) == successes
        and listed == set(published)
        and held == listed
        and codes_total == vouchers
    )
    verdict = "OK" if ok else "FAILED"
    return ok, [
        f"  check      {verdict}: {successes} successful publications (warm-up included)",
        f"             distinct codes in the answers  {answered}",
        f"             publications listed (total)    {len(publications)} ({publications_total})",
        f"             distinct codes in that list    {len(listed)}",
        f"             codes with a holder            {len(held)} of {codes_total}",
    ]


async def bench(backend: str, args: argparse.Namespace) -> bool:
    pg_database = f"sendout_bench_publish_{os.getpid()}"
    vouchers = args.publications + WARMUP_PUBLICATIONS
    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        workdir = Path(tmp)
        if backend == "postgresql":
            await pg_admin(f'CREATE DATABASE "{pg_database}"')
            database_url = f"postgresql://postgres@127.0.0.1:5432/{pg_database}"
        else:
            database_url = f"sqlite:///{workdir / 'bench.db'}"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        print(f"POST /v1/publications on {backend}, concurrency {args.concurrency}")
        server = start_server(database_url, workdir, port)
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            async with aiohttp.ClientSession(connector=connector) as session:
                await wait_ready(session, url)
                await make_campaign(session, url, vouchers)
                warmup = await publish(
                    session,
                    url,
                    0,
                    WARMUP_PUBLICATIONS,
                    args.concurrency,
                    args.customers,
                    args.time_limit,
                )
                run = await publish(
                    session,
                    url,
                    WARMUP_PUBLICATIONS,
                    args.publications,
                    args.concurrency,
                    args.customers,
                    args.time_limit,
                )
                ok, report = await verify(session, url, warmup.codes + run.codes, vouchers)
        finally:
            stop_server(server)
            if backend == "postgresql":
                await pg_admin(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')

    print(f"  warm-up    {len(warmup.latencies)} ({warmup.errors} errors)")
    print(f"  requests   {len(run.latencies)} ({run.errors} errors) in {run.elapsed:.2f} s")
    for sample in warmup.error_samples + run.error_samples:
        print(f"             error: {sample}")
    print(f"  throughput {len(run.codes) / run.elapsed:,.0f} publications/s")
    print(
        f"  latency    p50 {percentile(run.latencies, 0.50) * 1000:.1f} ms"
        f"  p90 {percentile(run.latencies, 0.90) * 1000:.1f} ms"
        f"  p99 {percentile(run.latencies, 0.99) * 1000:.1f} ms"
    )
    print("\n".join(report))
    return ok and warmup.errors == 0 and run.errors == 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--publications", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--time-limit", type=float, default=300.0, help="seconds; the load stops by itself"
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [await bench(backend, args) for backend in backends]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
