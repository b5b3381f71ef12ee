"""Benchmark: the Celery baseline (bench/celery_recipe.py) delivering webhooks to nginx.

N tasks are enqueued on Redis (127.0.0.1:6379, a queue of this run's own, deleted afterwards),
then a prefork worker (concurrency = CPU count) is started and drains them: each task signs
the envelope and POSTs it to nginx with a keep-alive ``requests`` session. Deliveries are
counted at nginx (``stub_status``, read every 50 ms), so the window runs from the first
delivery to the last (the worker's start-up left out) and nothing is added to the tasks.
Printed: deliveries/s and CPU microseconds per delivery (every Celery process, and
redis-server's), beside nginx's CPU per request under wrk in the same run.
``bench/deliver.py`` runs it as a phase against its own nginx and envelope, and prints
Sendout's ratio to it. Bounded: --tasks tasks, --time-limit seconds.

    .venv/bin/python bench/celery_baseline.py [--tasks 5000] [--skip-install]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from cpu import CpuGroup, CpuSampler, per_op_us
from procs import ensure_tool, free_port, nginx_requests, run_wrk, start_nginx, stop

BENCH = Path(__file__).resolve().parent
REDIS = {"host": "127.0.0.1", "port": 6379}
POLL_SECONDS = 0.05
READY_LIMIT = 60.0  # seconds for the worker to take its first task
TIME_LIMIT = 300.0  # seconds for the drain
#: an envelope of Sendout's shape when none is given (deliver.py passes a real one)
SAMPLE_BODY = orjson.dumps(
    {
        "id": "whs_0000000000000000000000000",
        "object": "event",
        "created_at": "2026-01-01T00:00:00.000Z",
        "type": "customer.custom_event",
        "data": {"to": "c1@example.com", "n": "1", "filler": "x" * 420},
    }
)


def celery_available() -> bool:
    try:
        import celery  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class CeleryResult:
    tasks: int
    delivered: int
    seconds: float  # the first delivery to the last
    celery_us: float  # CPU per delivery: every Celery process
    redis_us: float  # redis-server's
    nginx_us: float  # nginx's, answering them

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    @property
    def total_us(self) -> float:
        return self.celery_us + self.redis_us

    def describe(self) -> str:
        return (
            f"{self.delivered:,} of {self.tasks:,} delivered in {self.seconds:.1f} s: "
            f"{self.rate:,.0f} deliveries/s, {self.total_us:,.0f} us CPU/delivery (Celery "
            f"{self.celery_us:,.0f} + redis-server {self.redis_us:,.0f}; nginx "
            f"{self.nginx_us:.1f} us/delivery)"
        )


def enqueue(queue: str, url: str, body: bytes, tasks: int) -> int:
    """Put ``tasks`` tasks on ``queue``; redis-server's pid."""
    import redis

    from celery_recipe import deliver

    text = body.decode()
    for n in range(tasks):
        deliver.apply_async((url, f"msg_{n}", text), queue=queue)
    info = redis.Redis(**REDIS).info("server")  # type: ignore[arg-type]
    return int(info["process_id"])


def clean_up(queue: str) -> None:
    """Delete this run's keys (its queue and its binding) and nothing else."""
    import redis

    keys = [queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"]
    redis.Redis(**REDIS).delete(*keys)  # type: ignore[arg-type]


def start_celery(queue: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "celery", "-A", "celery_recipe", "worker", "-P", "prefork"]
    command += ["-c", str(os.cpu_count() or 1), "-Q", queue, "--loglevel", "WARNING"]
    # no chatter between workers (there is one): what a tuned deployment turns off
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    with (workdir / "celery.log").open("ab") as log:
        return subprocess.Popen(command, cwd=BENCH, env=env, stdout=log, stderr=subprocess.STDOUT)


async def run_baseline(
    nginx_port: int, nginx_pid: int, body: bytes, tasks: int, workdir: Path
) -> CeleryResult:
    queue = f"sendout-bench-{os.getpid()}-{time.monotonic_ns()}"
    url = f"http://127.0.0.1:{nginx_port}/hook/celery"
    worker: subprocess.Popen[bytes] | None = None
    try:
        redis_pid = await asyncio.to_thread(enqueue, queue, url, body, tasks)
        celery = CpuGroup("celery")
        groups = [celery, CpuGroup("redis", [redis_pid]), CpuGroup("nginx", [nginx_pid])]
        with CpuSampler(groups) as sampler:
            base, polls = nginx_requests(nginx_port), 0
            worker = start_celery(queue, workdir)
            celery.add(worker.pid)
            seen: list[tuple[float, int]] = [(time.time(), 0)]  # (when, deliveries)
            deadline, started = time.monotonic() + READY_LIMIT, False
            while seen[-1][1] < tasks and time.monotonic() < deadline:
                await asyncio.sleep(POLL_SECONDS)
                if worker.poll() is not None:
                    raise RuntimeError(f"the Celery worker exited with {worker.returncode}")
                polls += 1  # each read of stub_status is a request it counts
                seen.append((time.time(), nginx_requests(nginx_port) - base - polls))
                if seen[-1][1] and not started:  # from the first delivery: the drain's limit
                    started, deadline = True, time.monotonic() + TIME_LIMIT
        if not started:
            raise RuntimeError(f"no delivery within {READY_LIMIT:g} s of the worker's start")
        first = next(i for i, (_, done) in enumerate(seen) if done)  # >= 1: seen[0] is 0
        start = (seen[first - 1][0] + seen[first][0]) / 2
        end = (seen[-2][0] + seen[-1][0]) / 2
        delivered = seen[-1][1]
        return CeleryResult(
            tasks=tasks,
            delivered=delivered,
            seconds=end - start,
            celery_us=per_op_us(sampler.cpu("celery", start, end), delivered),
            redis_us=per_op_us(sampler.cpu("redis", start, end), delivered),
            nginx_us=per_op_us(sampler.cpu("nginx", start, end), delivered),
        )
    except Exception:
        log = workdir / "celery.log"
        if log.exists():
            print(f"celery log, last lines:\n{log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        if worker is not None:
            stop(worker, signal.SIGTERM, "celery worker")
        await asyncio.to_thread(clean_up, queue)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5_000)
    parser.add_argument("--skip-install", action="store_true")
    args = parser.parse_args()
    if not celery_available():
        raise SystemExit("celery is not installed: pip install 'celery[redis]' (pyproject: dev)")
    task = asyncio.current_task()
    if task is not None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    nginx_bin = ensure_tool("nginx", ["nginx-light", "nginx"], args.skip_install)
    wrk_bin = ensure_tool("wrk", ["wrk"], args.skip_install)
    with tempfile.TemporaryDirectory(prefix="sendout-bench-") as tmp:
        workdir, port = Path(tmp), free_port()
        nginx = start_nginx(nginx_bin, workdir, port)
        try:
            wrk = await asyncio.to_thread(
                run_wrk, wrk_bin, f"http://127.0.0.1:{port}/hook/0", workdir, nginx.pid
            )
            print(f"wrk against nginx: {wrk.describe()}", flush=True)
            result = await run_baseline(port, nginx.pid, SAMPLE_BODY, args.tasks, workdir)
        finally:
            stop(nginx, signal.SIGQUIT, "nginx")
    print(f"Celery {os.cpu_count()} prefork processes on Redis: {result.describe()}")
    print(
        f"  = {result.total_us / wrk.nginx_us:,.0f} x nginx's CPU per request under wrk "
        f"({wrk.nginx_us:.1f} us); {result.rate / wrk.rps:.4f} x wrk's requests/s"
    )


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit(130)
