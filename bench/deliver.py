"""Benchmark: the whole delivery path (event, dispatch, send, record) against nginx, next to wrk.

Starts nginx (Debian's ``nginx-light``, installed with ``apt-get`` when missing, as is ``wrk``)
as its own process on a free port of 127.0.0.1, answering 204 to everything, and measures
what ``wrk`` reaches against it (1 thread, 32 connections, a 640-byte JSON POST, about the
size of our envelopes; the median of three 4-second runs) and nginx's CPU per request under
it: the references. Then, against the same nginx, phases each on real Sendout processes with a
fresh database, in two shapes: ONE distribution with one webhook endpoint (every event to
it: the common case) and TEN distributions with one endpoint each (``/hook/0`` .. ``/hook/9``,
events round-robin); each event makes exactly one send-out:

1. throughput, both shapes: --events events recorded by ``serve --no-worker`` (through the
   API), then a server with its worker started on them: the whole path from recorded events,
   dispatch, render, sign, send and record. Run --throughput-runs times per shape, each right
   after a wrk run of its own, so that each figure is divided by the reference taken just
   before it (this machine's speed drifts by tens of per cent within minutes);
2. throughput, aiohttp (ten endpoints): the same with ``SENDOUT_HTTP_CLIENT=aiohttp``;
3. ingest, both shapes: --ingest-events events posted at concurrency 32 while the worker runs
   (after 100 warm-up events);
4. scale-out (with --worker-processes K[,K...]), both shapes: the backlog of 1, drained by K
   ``sendout worker`` processes beside a ``serve --no-worker``;
5. latency: --rate events/s for --seconds, open loop, after the warm-up; event-to-first-attempt
   = the first attempt's ``started_at`` minus the event's ``created_at`` (both stored to the
   millisecond);
6. isolation: as 5, but 2 of the 10 endpoints are black holes run by this script (they accept,
   read, and never answer): the healthy endpoints' latency;
7. mixed load (PostgreSQL only): --api-processes API processes (``serve --no-worker
   --workers N``) and 2 ``sendout worker`` processes, --mixed-rate events/s for
   --mixed-seconds to one endpoint, open loop: errors, API latency, event to first attempt;
8. the Celery baseline (bench/celery_baseline.py; on by default when celery is installed):
   --celery-tasks webhooks through Celery on Redis to the same nginx, with a real envelope.

Every throughput phase prints send-outs/s and the CPU microseconds per send-out of every
Sendout process (API server and workers, their children included; from /proc), on
PostgreSQL also PostgreSQL's (the backends serving the phase's database; the whole server's
beside it), each with its ratio to nginx's CPU per request under the wrk run just before. The
CPU window runs from the first send-out made (or the first measured event) to the last
outcome recorded: process start-up, the backlog's recording and the warm-up are left out.
Phases 1 to 4 run with the default attempt timeout (10 s); 5 to 7 with
``SENDOUT_DELIVERY_TIMEOUT`` = --timeout (2 s). A summary against issue 23's targets and the
older ones ends the run. Every process started here is stopped by its PID, also on Ctrl-C;
every load loop is bounded in count and time; nothing leaves 127.0.0.1.

    .venv/bin/python bench/deliver.py [--events 20000] [--throughput-runs 3]
        [--ingest-events 5000] [--rate 200] [--seconds 15] [--timeout 2]
        [--worker-processes 1,2,3] [--api-processes 1] [--mixed-rate 500]
        [--mixed-seconds 60] [--no-celery] [--celery-tasks 5000]
        [--backend sqlite|postgresql] [--skip-install]

With ``--backend postgresql`` each phase gets a scratch database on 127.0.0.1:5432 (user
postgres), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path

from celery_baseline import celery_available, run_baseline
from deliver_load import BlackHole
from deliver_phases import POST_CONCURRENCY, PhaseSpec, run_phase
from deliver_report import (
    ONE,
    TEN,
    Paired,
    Results,
    celery_lines,
    describe_send,
    latency_lines,
    mixed_lines,
    phase_lines,
    print_lines,
    scaleout_lines,
    throughput_lines,
)
from procs import (
    WRK_BODY_BYTES,
    WRK_CONNECTIONS,
    WRK_SECONDS,
    WrkResult,
    api_processes_available,
    ensure_tool,
    free_port,
    run_wrk,
    start_nginx,
    stop,
)

ENDPOINTS = 10  # distributions in the ten-endpoint shape, one webhook endpoint each
DEAD_ENDPOINTS = (4, 9)  # 20% of them answer nothing in the isolation phase
WRK_RUNS = 3  # the median is kept: this machine drifts (reference/stack-bench.md)
MIXED_WORKERS = 2  # ``sendout worker`` processes in the mixed-load phase
#: A gauge of the machine's Python speed, printed beside wrk's figure: wrk measures the
#: kernel and nginx, Sendout is Python, and the two differ from one machine to the next by
#: more than either (reference/stack-bench.md used the same loop: 14.7 to 27 us there).
PYTHON_GAUGE = "sum(range(1000))"
PYTHON_GAUGE_LOOPS = 10_000


def python_gauge_us() -> float:
    """How long ``PYTHON_GAUGE`` takes here now, in microseconds (the best of five, as
    ``python -m timeit`` reports it)."""
    runs = timeit.Timer(PYTHON_GAUGE).repeat(repeat=5, number=PYTHON_GAUGE_LOOPS)
    return min(runs) / PYTHON_GAUGE_LOOPS * 1e6


def counts(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("a comma list of counts >= 1, e.g. 1,2,3")
    return values


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add = parser.add_argument
    add("--events", type=int, default=20_000, help="throughput phases (recorded, then drained)")
    add(
        "--throughput-runs",
        type=int,
        default=3,
        help="throughput runs per shape, each after a wrk run of its own (medians count)",
    )
    add("--ingest-events", type=int, default=5_000, help="ingest phase (posted while sending)")
    add("--rate", type=float, default=200.0, help="latency phases, events/s")
    add("--seconds", type=float, default=15.0, help="latency phases")
    add("--timeout", type=float, default=2.0, help="SENDOUT_DELIVERY_TIMEOUT of phases 5-7")
    add(
        "--worker-processes",
        type=counts,
        default=[],
        help="scale-out phase: drain the backlog with K `sendout worker` processes (e.g. 1,2,3)",
    )
    add("--api-processes", type=int, default=1, help="mixed phase: `serve --workers N`")
    add("--mixed-rate", type=float, default=500.0, help="mixed phase (PostgreSQL), events/s")
    add("--mixed-seconds", type=float, default=60.0, help="mixed phase (PostgreSQL)")
    add("--no-mixed", action="store_true", help="skip the mixed phase on PostgreSQL")
    add("--no-celery", action="store_true", help="skip the Celery baseline")
    add("--celery-tasks", type=int, default=5_000, help="Celery baseline: webhooks")
    add("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    add("--skip-install", action="store_true", help="fail rather than apt-get nginx or wrk")
    return parser.parse_args()


def specs(args: argparse.Namespace, hook: str, mixed: list[str]) -> list[PhaseSpec]:
    """The phases after the paired throughput runs, in order."""
    ten, one = [f"{hook}/{n}" for n in range(ENDPOINTS)], [f"{hook}/0"]
    timed = f"attempt timeout {args.timeout:g} s"
    dead = ", ".join(f"/hook/{n}" for n in DEAD_ENDPOINTS)
    backlog = f"{args.events:,} events recorded, then drained by"
    found: list[PhaseSpec] = [
        PhaseSpec(
            "throughput, aiohttp",
            "the backlog through SENDOUT_HTTP_CLIENT=aiohttp",
            ten,
            "backlog",
            args.events,
            client="aiohttp",
        )
    ]
    for shape, targets in ((ONE, one), (TEN, ten)):
        found.append(
            PhaseSpec(
                f"ingest, {shape}",
                f"{args.ingest_events:,} events posted at concurrency {POST_CONCURRENCY}",
                targets,
                "ingest",
                args.ingest_events,
            )
        )
    for k in args.worker_processes:
        for shape, targets in ((ONE, one), (TEN, ten)):
            found.append(
                PhaseSpec(
                    f"scale-out K={k}, {shape}",
                    f"{backlog} {k} `sendout worker` process(es)",
                    targets,
                    "backlog",
                    args.events,
                    worker_processes=k,
                )
            )
    for name, title, targets in (
        ("latency", f"{args.rate:g} events/s for {args.seconds:g} s, {timed}", ten),
        ("isolation", f"the same, {dead} never answer", mixed),
    ):
        found.append(
            PhaseSpec(
                name,
                title,
                targets,
                "latency",
                timeout=args.timeout,
                rate=args.rate,
                seconds=args.seconds,
            )
        )
    if args.backend == "postgresql" and not args.no_mixed:
        api = api_processes_available(args.api_processes)
        found.append(
            PhaseSpec(
                "mixed",
                f"{api} API process(es) + {MIXED_WORKERS} workers, {args.mixed_rate:g} events/s "
                f"for {args.mixed_seconds:g} s to one endpoint, {timed}",
                one,
                "latency",
                timeout=args.timeout,
                rate=args.mixed_rate,
                seconds=args.mixed_seconds,
                worker_processes=MIXED_WORKERS,
                api_processes=api,
            )
        )
    return found


async def main() -> None:
    args = parse_args()
    # ``kill PID`` stops the run as Ctrl-C does: through the finally blocks that stop the rest.
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    nginx_bin = ensure_tool("nginx", ["nginx-light", "nginx"], args.skip_install)
    wrk_bin = ensure_tool("wrk", ["wrk"], args.skip_install)

    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        workdir = Path(tmp)
        nginx_port = free_port()
        nginx = start_nginx(nginx_bin, workdir, nginx_port)
        holes = [BlackHole() for _ in DEAD_ENDPOINTS]
        hook = f"http://127.0.0.1:{nginx_port}/hook"

        async def wrk_run() -> WrkResult:
            return await asyncio.to_thread(run_wrk, wrk_bin, f"{hook}/0", workdir, nginx.pid)

        async def paired(spec: PhaseSpec, shape: str) -> Paired:
            reference = await wrk_run()
            gauge = await asyncio.to_thread(python_gauge_us)
            began = time.monotonic()
            phase = await run_phase(args.backend, spec, hook, nginx.pid)
            print(
                f"  {shape}: wrk just before {reference.rps:,.0f} requests/s, nginx "
                f"{reference.nginx_us:.1f} us CPU/request, {PYTHON_GAUGE} {gauge:.1f} us; "
                f"{describe_send(phase.sent, phase)}; Sendout {phase.cpu_us['sendout']:,.0f} "
                f"us CPU/send-out (phase: {time.monotonic() - began:.0f} s)",
                flush=True,
            )
            return Paired(shape, phase, reference, gauge, spec.worker_processes)

        try:
            print(f"wrk against nginx on 127.0.0.1:{nginx_port} ...", flush=True)
            runs = []
            for _ in range(WRK_RUNS):
                runs.append(await wrk_run())
                print(f"  {runs[-1].describe()}", flush=True)
            results = Results(
                args.backend,
                WrkResult(
                    rps=statistics.median(r.rps for r in runs),
                    p50_ms=statistics.median(r.p50_ms for r in runs),
                    p99_ms=statistics.median(r.p99_ms for r in runs),
                    requests=sum(r.requests for r in runs),
                    problems="; ".join(r.problems for r in runs if r.problems),
                    nginx_us=statistics.median(r.nginx_us for r in runs),
                ),
            )
            for hole in holes:
                await hole.start()
            ten = [f"{hook}/{n}" for n in range(ENDPOINTS)]
            mixed = list(ten)
            for hole, n in zip(holes, DEAD_ENDPOINTS, strict=True):
                mixed[n] = f"http://127.0.0.1:{hole.port}/hook/{n}"
            backlog = f"{args.events:,} events recorded, then dispatched, sent and recorded"
            print(f"throughput on {args.backend}: {backlog} ...", flush=True)
            for n in range(1, args.throughput_runs + 1):
                print(f" run {n}", flush=True)
                for shape, targets in ((ONE, [f"{hook}/0"]), (TEN, ten)):
                    spec = PhaseSpec(f"throughput {n}", backlog, targets, "backlog", args.events)
                    results.throughput.append(await paired(spec, shape))
            for spec in specs(args, hook, mixed):
                print(f"{spec.name} on {args.backend}: {spec.title} ...", flush=True)
                results.phases[spec.name] = run = await paired(spec, spec.name)
                if spec.name.startswith("scale-out"):
                    results.scaleout.append(run)
                if spec.name == "mixed":
                    results.mixed_api_processes = spec.api_processes
                if spec.name == "isolation":
                    taken = sum(h.connections for h in holes)
                    print(f"  the black holes took {taken:,} connections", flush=True)
            if args.no_celery:
                results.celery_note = "skipped (--no-celery)"
            elif not celery_available():
                results.celery_note = (
                    "skipped: celery is not installed (pip install -e '.[dev]' installs it)"
                )
            else:
                body = results.throughput[0].phase.sample_body if results.throughput else b"{}"
                print(f"Celery baseline: {args.celery_tasks:,} webhooks ...", flush=True)
                results.celery = await run_baseline(
                    nginx_port, nginx.pid, body, args.celery_tasks, workdir
                )
        finally:
            for hole in holes:
                await hole.close()
            stop(nginx, signal.SIGQUIT, "nginx")

    report(args, results, hook)


def report(args: argparse.Namespace, results: Results, hook: str) -> None:
    print()
    lines = throughput_lines(results, args.events)
    lines += phase_lines(results)
    lines += scaleout_lines(results)
    lines += latency_lines(results, args.rate, hook)
    lines += mixed_lines(results, args.mixed_rate, args.mixed_seconds)
    lines += celery_lines(results)
    wrk = results.wrk
    print(
        f"\nSummary ({args.backend}; wrk -t1 -c{WRK_CONNECTIONS} -d{WRK_SECONDS}s "
        f"POST {WRK_BODY_BYTES} B -> nginx 204, median of {WRK_RUNS}: {wrk.rps:,.0f} req/s, "
        f"nginx {wrk.nginx_us:.1f} us CPU/request, p50 {wrk.p50_ms:.2f} ms, "
        f"p99 {wrk.p99_ms:.2f} ms; ratios to wrk and nginx use the run just before each phase)"
    )
    gauges = [r.gauge for r in results.throughput]
    if gauges:
        print(
            f"Python here: {PYTHON_GAUGE} took {statistics.median(gauges):.1f} us (median of "
            f"the throughput runs' gauges: {', '.join(f'{g:.1f}' for g in gauges)})"
        )
    if args.backend != "postgresql":
        print("(mixed load: PostgreSQL only, run with --backend postgresql)")
    print_lines(lines)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit(130)
