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
import resource
import subprocess
import sys
import time

from scratch import scratch_project  # bench/ is on sys.path when run as a script
from sendout.domain.campaign_drafts import CampaignDraft
from sendout.domain.campaigns import CampaignKind, CampaignType, VoucherTemplate, VoucherType
from sendout.domain.codes import parse_code_config
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.promotions.campaigns import create_campaign


async def run(backend: str, count: int) -> None:
    async with scratch_project(backend, "codes") as (container, ctx):
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
