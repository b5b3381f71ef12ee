"""Benchmark: 1,000,000 codes into one campaign, seconds and peak memory.

Creates a campaign with ``vouchers_count`` codes through the real service and runs the
worker's async action (batches of codes, each committed with its progress) to the end, on a
fresh SQLite file or a scratch PostgreSQL database. Each backend runs in its own process, so
the peak resident memory printed is that run's alone.

    .venv/bin/python bench/codes.py [--count 1000000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from sendout.bootstrap import bootstrap
from sendout.config import Settings
from sendout.domain.campaigns import (
    CampaignDraft,
    CampaignKind,
    CampaignType,
    VoucherTemplate,
    VoucherType,
)
from sendout.domain.codes import parse_code_config
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.campaigns import create_campaign
from sendout.services.projects import create_project
from sendout.testing import make_context

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(database="postgres", **PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def run(backend: str, count: int) -> None:
    name = f"sendout_bench_codes_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        if backend == "postgresql":
            await pg_admin(f'CREATE DATABASE "{name}"')
            url = f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        else:
            url = f"sqlite:///{Path(tmp) / 'codes.db'}"
        container = bootstrap(Settings(database_url=url))
        try:
            await container.migrate()
            issued = await create_project(
                container.uow_factory, container.clock, container.rng, "bench"
            )
            ctx = make_context(issued.project.id, clock=container.clock, rng=container.rng)
            draft = CampaignDraft(
                name="Million",
                campaign_type=CampaignType.DISCOUNT_COUPONS,
                kind=CampaignKind.STATIC,
                template=VoucherTemplate(
                    type=VoucherType.DISCOUNT_VOUCHER,
                    discount={"type": "PERCENT", "percent_off": 10, "effect": "APPLY_TO_ORDER"},
                    code_config=parse_code_config({"length": 10}),
                ),
                vouchers_count=count,
            )
            runner = AsyncActionRunner(container.uow_factory, container.clock, container.rng)
            started = time.perf_counter()
            campaign, _ = await create_campaign(container.uow_factory, ctx, draft)
            await runner.run_next()
            elapsed = time.perf_counter() - started
            async with container.uow_factory() as uow:
                stored = await uow.campaigns.get(ctx.project_id, campaign.id)
            assert stored is not None
        finally:
            await container.close()
            if backend == "postgresql":
                await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{backend:<10} {stored.vouchers_count:>9,} codes  {elapsed:6.1f} s  "
        f"{stored.vouchers_count / elapsed:>9,.0f} codes/s  peak RSS {peak_mb:,.0f} MB  "
        f"({stored.vouchers_generation_status.value})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.backend != "both":
        asyncio.run(run(args.backend, args.count))
        return
    for backend in ("sqlite", "postgresql"):
        subprocess.run(
            [sys.executable, __file__, "--backend", backend, "--count", str(args.count)],
            check=True,
            timeout=1800,
        )


if __name__ == "__main__":
    main()
