"""Benchmark: ``POST /v1/redemptions`` throughput and latency at concurrency 32.

For each backend (a fresh SQLite file, or a scratch PostgreSQL database on 127.0.0.1:5432,
user postgres, created and dropped by bench/scratch.py), in its own process, it starts a real
``sendout serve`` with a fixed key pair, creates a STATIC ``DISCOUNT_COUPONS`` campaign of
single-use codes (500 off) holding one code per redemption (warm-up included), waits for its
codes to be generated and lists them, then redeems each code exactly once on a 100.00 order
(one line, 2 x 50.00) for one of --customers returning customers: a warm-up on codes of its
own, then --redemptions redemptions from --concurrency keep-alive connections. It prints
redemptions/s and p50/p90/p99 latency; any answer other than 200 with the requested code
redeemed is an error (counted by HTTP status, the first three printed in full). Afterwards it
checks that the server's list of successful redemptions counts exactly the successful requests
(and lists no failed redemption), and that 20 sampled codes were each redeemed once. The
server is stopped by its PID; every load loop is bounded in count and time (a run stopped by
--time-limit counts as a failure). Nothing leaves 127.0.0.1. About 3-4 minutes for both
backends with the defaults (PostgreSQL takes two thirds of it).

    .venv/bin/python bench/redeem.py [--redemptions 10000] [--concurrency 32]
        [--customers 1000] [--backend sqlite|postgresql|both] [--time-limit 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import aiohttp
import orjson

from api_ingest import (  # bench/ is on sys.path when run as a script
    Run,
    create_campaign,
    each_backend,
    free_port,
    get_json,
    post_all,
    report,
    start_server,
    stop_server,
    wait_ready,
)
from scratch import scratch_database

CAMPAIGN = "Bench redemptions"
WARMUP_REDEMPTIONS = 500
AMOUNT_OFF = 500
SAMPLED_CODES = 20
PAGE_LIMIT = 100  # the API's largest page
CHILD_TIMEOUT = 1800  # seconds: one backend's whole run, setup and checks included


async def create_codes(session: aiohttp.ClientSession, url: str, vouchers: int) -> list[str]:
    """A campaign of ``vouchers`` single-use codes; its codes, in code order."""
    body = {
        "name": CAMPAIGN,
        "campaign_type": "DISCOUNT_COUPONS",
        "type": "STATIC",
        "vouchers_count": vouchers,
        "voucher": {
            "type": "DISCOUNT_VOUCHER",
            "discount": {"type": "AMOUNT", "amount_off": AMOUNT_OFF},
            "redemption": {"quantity": 1},
            "code_config": {"length": 10},
        },
    }
    campaign_id, ready = await create_campaign(session, url, body)
    started = time.monotonic()
    codes: list[str] = []
    for page in range(1, vouchers // PAGE_LIMIT + 5):  # bounded: the pages needed, plus a few
        answer = await get_json(
            session,
            f"{url}/v1/vouchers?campaign_id={campaign_id}&limit={PAGE_LIMIT}&page={page}"
            "&order=code",
        )
        codes.extend(v["code"] for v in answer[answer["data_ref"]])
        if not answer["has_more"]:
            break
    if len(set(codes)) != vouchers:
        raise RuntimeError(f"campaign lists {len(set(codes))} distinct codes, not {vouchers}")
    print(
        f"  campaign   {vouchers:,} codes ready in {ready:.1f} s, "
        f"listed in {time.monotonic() - started:.1f} s"
    )
    return codes


async def redeem(
    session: aiohttp.ClientSession,
    url: str,
    codes: list[str],
    first: int,
    concurrency: int,
    customers: int,
    time_limit: float,
) -> Run:
    """Each of ``codes`` redeemed once; customer ``c-<n % customers>`` for the n-th code
    overall (``first`` is the first code's n)."""
    bodies = [
        orjson.dumps(
            {
                "redeemables": [{"object": "voucher", "id": code}],
                "order": {
                    "amount": 10_000,
                    "items": [{"product_id": "prod_1", "quantity": 2, "price": 5_000}],
                },
                "customer": {"source_id": f"c-{n % customers}"},
            }
        )
        for n, code in enumerate(codes, start=first)
    ]

    def judge(index: int, status: int, answer: bytes) -> str | None:
        if status != 200:
            return None
        (child,) = orjson.loads(answer)["redemptions"]
        succeeded = child["result"] == "SUCCESS" and child["amount"] == AMOUNT_OFF
        code = str(child["voucher"]["code"])
        return code if succeeded and code == codes[index] else None

    return await post_all(session, f"{url}/v1/redemptions", bodies, concurrency, time_limit, judge)


async def verify(
    session: aiohttp.ClientSession, url: str, redeemed: list[str]
) -> tuple[bool, list[str]]:
    """The redemption list counts every successful request and no failure; sampled codes were
    each redeemed once."""
    successes = len(redeemed)
    listed = await get_json(session, f"{url}/v1/redemptions?result=SUCCESS&limit=1")
    failed = await get_json(session, f"{url}/v1/redemptions?result=FAILURE&limit=1")
    sample = random.Random(0).sample(redeemed, min(SAMPLED_CODES, successes))
    once = 0
    for code in sample:
        voucher = await get_json(session, f"{url}/v1/vouchers/{code}")
        once += voucher["redemption"]["redeemed_quantity"] == 1
    ok = (
        len(set(redeemed)) == successes
        and int(listed["total"]) == successes
        and int(failed["total"]) == 0
        and once == len(sample) == min(SAMPLED_CODES, successes)
    )
    verdict = "OK" if ok else "FAILED"
    return ok, [
        f"  check      {verdict}: {successes} successful redemptions (warm-up included)",
        f"             SUCCESS redemptions listed (total)  {listed['total']}",
        f"             FAILURE redemptions listed (total)  {failed['total']}",
        f"             sampled codes redeemed exactly once {once} of {len(sample)}",
    ]


async def bench(backend: str, args: argparse.Namespace) -> bool:
    vouchers = WARMUP_REDEMPTIONS + args.redemptions
    async with scratch_database(backend, "redeem") as (database_url, workdir):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        print(f"POST /v1/redemptions on {backend}, concurrency {args.concurrency}", flush=True)
        server = start_server(database_url, workdir, port)
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            async with aiohttp.ClientSession(connector=connector) as session:
                await wait_ready(session, url)
                codes = await create_codes(session, url, vouchers)
                warmup = await redeem(
                    session,
                    url,
                    codes[:WARMUP_REDEMPTIONS],
                    0,
                    args.concurrency,
                    args.customers,
                    args.time_limit,
                )
                run = await redeem(
                    session,
                    url,
                    codes[WARMUP_REDEMPTIONS:],
                    WARMUP_REDEMPTIONS,
                    args.concurrency,
                    args.customers,
                    args.time_limit,
                )
                ok, checks = await verify(session, url, warmup.codes + run.codes)
        finally:
            stop_server(server)

    ok = ok and warmup.errors == 0 and run.errors == 0
    f = report(warmup, run, vouchers, "redemptions")
    print("\n".join(checks))
    print(
        f"{backend:<10} {len(run.codes):>7,} redemptions  {f.rate:>6,.0f} requests/s  "
        f"p50 {f.p50:.1f} ms  p90 {f.p90:.1f} ms  p99 {f.p99:.1f} ms  "
        f"check {'OK' if ok else 'FAILED'}{'' if f.sent == vouchers else ', INCOMPLETE'}",
        flush=True,
    )
    return ok and f.sent == vouchers


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--redemptions", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--time-limit", type=float, default=300.0, help="seconds; the load stops by itself"
    )
    args = parser.parse_args()
    if args.backend != "both":
        return 0 if asyncio.run(bench(args.backend, args)) else 1
    options = {
        "redemptions": args.redemptions,
        "concurrency": args.concurrency,
        "customers": args.customers,
        "time_limit": args.time_limit,
    }
    return each_backend(__file__, options, CHILD_TIMEOUT)


if __name__ == "__main__":
    raise SystemExit(main())
