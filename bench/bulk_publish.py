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
import signal
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bulk_reference import single_run  # bench/ is on sys.path when run as a script
from bulk_run import Bulk, bulk_run
from procs import ensure_tool, free_port, start_nginx, stop


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
