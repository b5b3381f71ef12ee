"""Measure: the size of SQLite's write-ahead log during a steady load and after it.

A real ``sendout serve`` (API and worker) on a fresh SQLite file, 10 webhook distributions
to a receiver in this script (answers 204), --rate events/s posted through the API for
--seconds (open loop). The ``-wal`` file's size is sampled every 0.1 s: the largest during
the load, then its size --quiet seconds after the last event. Bounded: a few thousand events.

    PYTHONPATH=src python bench/wal_size.py --rate 50 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deliver_load import create_distributions, post_open, wait_ready
from procs import free_port, start_server, stop

ENDPOINTS = 10
SAMPLE_SECONDS = 0.1


class WalSampler:
    def __init__(self, wal: Path) -> None:
        self.wal = wal
        self.largest = 0

    def size(self) -> int:
        try:
            return self.wal.stat().st_size
        except FileNotFoundError:
            return 0

    async def run(self) -> None:
        while True:
            self.largest = max(self.largest, self.size())
            await asyncio.sleep(SAMPLE_SECONDS)


async def receiver() -> tuple[web.AppRunner, str]:
    async def answer(_: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook/{n}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts")
    parser.add_argument("--quiet", type=float, default=3.0, help="seconds after the load")
    args = parser.parse_args()
    runner, hooks = await receiver()
    with tempfile.TemporaryDirectory(prefix="sendout-wal-") as tmp:
        workdir = Path(tmp)
        database = workdir / "sendout.db"
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        server = start_server(f"sqlite:///{database}", workdir, port, None)
        sampler = WalSampler(Path(f"{database}-wal"))
        try:
            async with aiohttp.ClientSession() as session:
                await wait_ready(session, api, server)
                targets = [f"{hooks}/hook/{n}" for n in range(ENDPOINTS)]
                await create_distributions(session, api, targets)
                sampling = asyncio.create_task(sampler.run())
                began = time.monotonic()
                sent = await post_open(session, api, 0, args.rate, args.seconds, ENDPOINTS)
                during = sampler.largest
                await asyncio.sleep(args.quiet)
                after = sampler.size()
                sampling.cancel()
            print(
                f"{sent.accepted} events accepted ({sent.errors} errors) in "
                f"{time.monotonic() - began - args.quiet:.0f} s at {args.rate:g}/s; "
                f"WAL: largest {during / 2**20:.1f} MiB during the load, "
                f"{after / 2**20:.2f} MiB {args.quiet:g} s after it; "
                f"database {database.stat().st_size / 2**20:.1f} MiB"
            )
        finally:
            stop(server, signal.SIGTERM, "sendout serve")
            await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
