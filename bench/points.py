"""Benchmark: loyalty points added (``POST /v1/loyalties/members/{code}/balance``) at
concurrency 32.

For each backend (a fresh SQLite file, or a scratch PostgreSQL database on 127.0.0.1:5432,
user postgres, created and dropped by bench/scratch.py), in its own process, it starts a real
``sendout serve``, creates an AUTO_UPDATE ``LOYALTY_PROGRAM`` (cards of 0 points), gives each
of --cards customers a card (``POST /v1/loyalties/{id}/members``, which upserts the customer),
then adds 10 points per request to a card drawn at random (seeded) for each request: a warm-up,
then --requests requests from --concurrency keep-alive connections. With 32 requests in flight
over 100 cards several of them hit the same card at once, so the card's row lock is on the
path. It prints requests/s and p50/p90/p99 latency; any answer other than 200 adding 10 points
to the requested card is an error (counted by HTTP status, the first three printed in full).
Afterwards it checks that the cards' balances, listed by the program, sum to 10 x the
successful requests (warm-up included), card by card, and that each card's answers gave the
balances 10, 20, ... with none twice (no lost update); OK or MISMATCH, and the exit status is
non-zero on a mismatch. The server is stopped by its PID; every load loop is bounded in count
and time (a run stopped by --time-limit counts as a failure). Nothing leaves 127.0.0.1.

    .venv/bin/python bench/points.py [--requests 5000] [--concurrency 32] [--cards 100]
        [--backend sqlite|postgresql|both] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter, defaultdict

import aiohttp
import orjson

from api_ingest import (  # bench/ is on sys.path when run as a script
    HEADERS,
    REQUEST_TIMEOUT,
    Run,
    each_backend,
    free_port,
    get_json,
    post_all,
    post_each,
    report,
    start_server,
    stop_server,
    wait_ready,
)
from scratch import scratch_database

PROGRAM = "Bench points"
POINTS = 10
WARMUP_REQUESTS = 500
PAGE_LIMIT = 100  # the API's largest page
CHILD_TIMEOUT = 1800  # seconds: one backend's whole run, setup and checks included


async def create_program(session: aiohttp.ClientSession, url: str) -> str:
    """A loyalty program whose cards are made on demand, starting at 0 points; its id."""
    body = {
        "name": PROGRAM,
        "campaign_type": "LOYALTY_PROGRAM",
        "type": "AUTO_UPDATE",
        "voucher": {
            "type": "LOYALTY_CARD",
            "loyalty_card": {"points": 0},
            "code_config": {"length": 10, "prefix": "LOY-"},
        },
    }
    async with session.post(
        f"{url}/v1/loyalties", data=orjson.dumps(body), headers=HEADERS, timeout=REQUEST_TIMEOUT
    ) as response:
        answer = await response.read()
        if response.status != 200:
            raise RuntimeError(f"program creation: {response.status} {answer[:300]!r}")
    return str(orjson.loads(answer)["id"])


async def add_members(
    session: aiohttp.ClientSession,
    url: str,
    program_id: str,
    cards: int,
    concurrency: int,
    time_limit: float,
) -> list[str]:
    """A card for each of customers ``m-0`` ... ``m-<cards - 1>``; the cards' codes."""
    bodies = [orjson.dumps({"customer": {"source_id": f"m-{n}"}}) for n in range(cards)]

    def judge(index: int, status: int, answer: bytes) -> str | None:
        if status != 200:
            return None
        card = orjson.loads(answer)
        return str(card["code"]) if card["loyalty_card"]["balance"] == 0 else None

    started = time.monotonic()
    run = await post_all(
        session, f"{url}/v1/loyalties/{program_id}/members", bodies, concurrency, time_limit, judge
    )
    if run.errors or len(set(run.codes)) != cards:
        raise RuntimeError(
            f"{len(set(run.codes))} distinct cards of {cards} ({run.errors} errors: "
            f"{run.error_samples})"
        )
    print(f"  members    {cards:,} cards in {time.monotonic() - started:.1f} s", flush=True)
    return run.codes


async def add_points(
    session: aiohttp.ClientSession,
    url: str,
    targets: list[str],
    concurrency: int,
    time_limit: float,
    balances: defaultdict[str, list[int]],
) -> Run:
    """POINTS added to each of ``targets`` (card codes, repeated), one request each; the
    balance each answer gives is appended to ``balances[card]``."""
    body = orjson.dumps({"points": POINTS, "reason": "bench"})
    requests = [(f"{url}/v1/loyalties/members/{code}/balance", body) for code in targets]

    def judge(index: int, status: int, answer: bytes) -> str | None:
        if status != 200:
            return None
        added = orjson.loads(answer)
        if added["points"] != POINTS or added["type"] != "loyalty_card":
            return None
        balances[targets[index]].append(int(added["balance"]))
        return targets[index]

    return await post_each(session, requests, concurrency, time_limit, judge)


async def verify(
    session: aiohttp.ClientSession,
    url: str,
    program_id: str,
    cards: list[str],
    added: list[str],
    answered: dict[str, list[int]],
) -> tuple[bool, list[str]]:
    """The program's cards hold POINTS x the successful requests, in sum and card by card; each
    card's answers gave 10, 20, ... once each."""
    listed: dict[str, int] = {}
    for page in range(1, len(cards) // PAGE_LIMIT + 5):  # bounded: the pages needed, plus a few
        answer = await get_json(
            session, f"{url}/v1/loyalties/{program_id}/members?limit={PAGE_LIMIT}&page={page}"
        )
        for card in answer["vouchers"]:
            listed[str(card["code"])] = int(card["loyalty_card"]["balance"])
        if not answer["has_more"]:
            break
    per_card = Counter(added)
    expected = POINTS * len(added)
    total = sum(listed.values())
    wrong_cards = [c for c in cards if listed.get(c) != POINTS * per_card[c]]
    wrong_answers = [
        c
        for c in cards
        if sorted(answered.get(c, [])) != [POINTS * k for k in range(1, per_card[c] + 1)]
    ]
    ok = set(listed) == set(cards) and total == expected and not wrong_cards and not wrong_answers
    return ok, [
        f"  balances   {'OK' if ok else 'MISMATCH'}: sum {total:,} for {len(added):,} successful"
        f" requests x {POINTS} = {expected:,} (warm-up included)",
        f"             cards listed {len(listed)} of {len(cards)}; cards off their own count "
        f"{len(wrong_cards)}; cards whose answers skipped or repeated a balance "
        f"{len(wrong_answers)}",
    ]


async def bench(backend: str, args: argparse.Namespace) -> bool:
    async with scratch_database(backend, "points") as (database_url, workdir):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        print(
            f"POST /v1/loyalties/members/{{code}}/balance on {backend}, concurrency "
            f"{args.concurrency}, {args.cards} cards",
            flush=True,
        )
        server = start_server(database_url, workdir, port)
        try:
            connector = aiohttp.TCPConnector(limit=args.concurrency)
            async with aiohttp.ClientSession(connector=connector) as session:
                await wait_ready(session, url)
                program_id = await create_program(session, url)
                cards = await add_members(
                    session, url, program_id, args.cards, args.concurrency, args.time_limit
                )
                draw = random.Random(0)
                targets = [cards[draw.randrange(len(cards))] for _ in range(args.requests)]
                warmup_targets = [cards[n % len(cards)] for n in range(WARMUP_REQUESTS)]
                answered: defaultdict[str, list[int]] = defaultdict(list)
                warmup = await add_points(
                    session, url, warmup_targets, args.concurrency, args.time_limit, answered
                )
                run = await add_points(
                    session, url, targets, args.concurrency, args.time_limit, answered
                )
                ok, checks = await verify(
                    session, url, program_id, cards, warmup.codes + run.codes, answered
                )
        finally:
            stop_server(server)

    wanted = WARMUP_REQUESTS + args.requests
    errors = warmup.errors + run.errors
    figures = report(warmup, run, wanted, "requests")
    rate, p50, p99, sent = figures.rate, figures.p50, figures.p99, figures.sent
    print("\n".join(checks))
    print(
        f"{backend:<10} {len(run.codes):>6,} points-adds  {rate:>6,.0f} requests/s  "
        f"p50 {p50:.1f} ms  p99 {p99:.1f} ms  errors {errors}  "
        f"balances {'OK' if ok else 'MISMATCH'}{'' if sent == wanted else ', INCOMPLETE'}",
        flush=True,
    )
    return ok and sent == wanted


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--cards", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds; each load stops by itself"
    )
    args = parser.parse_args()
    if args.backend != "both":
        return 0 if asyncio.run(bench(args.backend, args)) else 1
    options = {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "cards": args.cards,
        "time_limit": args.time_limit,
    }
    return each_backend(__file__, options, CHILD_TIMEOUT)


if __name__ == "__main__":
    raise SystemExit(main())
