"""Benchmark: events dispatched per second (one distribution, one webhook channel).

Records --events custom events through the real service, then times the worker's dispatcher
turning them into send-outs (claim a batch, match, render, insert send-outs, mark dispatched,
commit), on a fresh SQLite file and a scratch PostgreSQL database, each in its own process.

    .venv/bin/python bench/dispatch.py [--events 20000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

from scratch import scratch_project  # bench/ is on sys.path when run as a script
from sendout.domain.customers import CustomerRef
from sendout.domain.sendouts import SendoutQuery
from sendout.services.customers.events import track_custom_event
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.distributions import create_distribution
from sendout.testing import webhook_distribution_draft

PAYLOAD = (
    '{"to": "{{customer.email}}", "hello": "Hello {{customer.name}}", '
    '"plan": "{{event.metadata.plan}}"}'
)


async def run(backend: str, count: int) -> None:
    customers = 100
    async with scratch_project(backend, "dispatch") as (container, ctx):
        await create_distribution(
            container.uow_factory,
            ctx,
            webhook_distribution_draft(
                "bench",
                "https://hooks.example.com/bench",
                payload=PAYLOAD,
                headers={"X-Api-Key": "k"},
            ),
            catalog=container.channels,
        )
        for n in range(count):
            await track_custom_event(
                container.uow_factory,
                ctx,
                name="bench",
                customer=CustomerRef(
                    source_id=f"c{n % customers}", fields={"name": f"Customer {n % customers}"}
                ),
                metadata={"plan": "pro"},
            )
        dispatcher = Dispatcher(container.uow_factory, container.clock, container.rng)
        started = time.perf_counter()
        handled = 0
        while (batch := await dispatcher.run_batch()) > 0:
            handled += batch
        elapsed = time.perf_counter() - started
        async with container.uow_factory() as uow:
            sendouts = await uow.sendouts.list(ctx.project_id, SendoutQuery())
    print(
        f"{backend:<10} {handled:>7,} events ({customers} customers.created among them) "
        f"-> {sendouts.total:,} send-outs in {elapsed:5.2f} s: {handled / elapsed:>8,.0f} events/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.backend != "both":
        asyncio.run(run(args.backend, args.events))
        return
    for backend in ("sqlite", "postgresql"):
        subprocess.run(
            [sys.executable, __file__, "--backend", backend, "--events", str(args.events)],
            check=True,
            timeout=1800,
        )


if __name__ == "__main__":
    main()
