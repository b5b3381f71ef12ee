"""The reference of bench/bulk_publish.py: the same send-outs by the single-event path,
events recorded by ``sendout serve --no-worker`` then drained by ``sendout worker``, its CPU
per send-out measured the same way as the bulk run's."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import orjson

from bulk_measure import RUN_LIMIT, CpuMark, call, counts, post_many
from deliver_db import Database  # bench/ is on sys.path when run as a script
from deliver_load import wait_ready
from procs import APP_ID, APP_TOKEN, free_port, start_server, stop
from scratch import scratch_database


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
