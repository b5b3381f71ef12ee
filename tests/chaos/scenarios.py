"""The chaos scenarios (issue 21): real processes, faults injected while send-outs flow.

Each run gets a database of its own, a receiver, and the ``sendout`` processes of its
backend: on SQLite ``serve`` with its worker (and the worker's dispatch helper), or
``serve --no-worker`` beside one ``sendout worker``; on PostgreSQL ``serve --no-worker``
beside two workers. Events go in through ``POST /v1/events`` to a distribution of one webhook
channel aimed at the receiver; the faults land at set points of the run (a share of the
deliveries, or of the accepted events); then the run settles and is counted (``figures``).

Bounded: ``count`` events (2,000), a few faults (2 per run by default), every wait with a
deadline and the whole run with a hard one; only processes the run started are signalled,
by their PID (the dispatch helpers: children of a worker it started).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from tests.chaos.figures import Figures, measure, settle
from tests.chaos.harness import (
    Api,
    Processes,
    create_distribution,
    post_events,
    sendout_total,
)
from tests.chaos.receiver import Receiver, start_receiver
from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
)

SENDOUTS = 2_000
KILLS = 2
CONCURRENCY = 32  # attempts in flight per worker: what a kill may repeat
TIMEOUT = 2.0  # SENDOUT_DELIVERY_TIMEOUT
LEASE = TIMEOUT + 5.0  # a claimed send-out is taken over after this (services/pipeline/deliver.py)
FREEZE = LEASE + 3.0  # a frozen worker sleeps past its lease
PHASE_WAIT = 30.0  # seconds a run waits for one of its set points
SETTLE = 25.0  # seconds after the last fault for the system to settle
RUN_DEADLINE = 150.0  # the whole run, hard
SETTINGS = {
    "SENDOUT_DELIVERY_TIMEOUT": str(int(TIMEOUT)),
    "SENDOUT_DELIVERY_CONCURRENCY": str(CONCURRENCY),
    "SENDOUT_ENDPOINT_CONCURRENCY": str(CONCURRENCY),
    "SENDOUT_WORKER_POLL_SECONDS": "0.5",
}
EVENT = "chaos"
SQLITE, POSTGRESQL = "sqlite", "postgresql"


@dataclass
class Run:
    """One scenario on one backend: its processes, receiver, events and faults so far."""

    scenario: Scenario
    backend: str
    procs: Processes
    receiver: Receiver
    count: int
    kills: int
    database_url: str
    until: float  # the hard deadline (monotonic)
    api: Api | None = None
    distribution_id: str = ""
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)
    serve_worker: bool = False  # ``serve`` runs its worker too
    faults: int = 0
    notes: list[str] = field(default_factory=list)
    _poster: threading.Thread | None = None
    _poster_failure: list[BaseException] = field(default_factory=list)

    @property
    def the_api(self) -> Api:
        assert self.api is not None, "start() first"
        return self.api

    def start(self, *, serve_worker: bool, workers: int) -> None:
        """The API (with its worker, or alone), ``workers`` worker processes, and the
        distribution."""
        self.serve_worker = serve_worker
        self.api = self.procs.api(with_worker=serve_worker)
        self.workers = self.procs.workers(workers) if workers else []
        self.distribution_id = create_distribution(
            self.api, self.receiver.url, EVENT, self.scenario.retry
        )

    def post_all(self, *, tolerate_failures: bool = False) -> None:
        """All ``count`` events, posted on a thread of their own while the run goes on."""

        def post() -> None:
            try:
                post_events(
                    self.the_api,
                    EVENT,
                    self.count,
                    tolerate_failures=tolerate_failures,
                    into=self.accepted,
                )
            except BaseException as failure:  # handed to the main thread in finish()
                self._poster_failure.append(failure)

        self._poster = threading.Thread(target=post, name="poster", daemon=True)
        self._poster.start()

    def posted(self) -> bool:
        return self._poster is not None and not self._poster.is_alive()

    def delivered(self) -> int:
        """Events whose webhook the receiver got (at least once)."""
        return len(self.receiver.by_customer())

    def delivered_at_least(self, count: int, *, all_posted: bool = False) -> Callable[[], bool]:
        """A condition for ``wait``: ``count`` events delivered (and every event posted)."""
        return lambda: (self.posted() or not all_posted) and self.delivered() >= count

    def set_points(self) -> list[int]:
        """Where the faults land: evenly spread over the run's ``count``."""
        return [(k + 1) * self.count // (self.kills + 1) for k in range(self.kills)]

    def wait(self, condition: Callable[[], object], what: str, within: float = PHASE_WAIT) -> None:
        """Waits (bounded) until ``condition``; if it never holds, notes it and goes on (the
        fault then lands late, and the figures still tell what happened)."""
        deadline = min(time.monotonic() + within, self.until)
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.01)
        self.notes.append(f"not reached in {within:.0f} s: {what}")

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        self.faults += 1

    def kill_serve_and_restart(self) -> None:
        """kill -9 of ``serve``, then the same command again on the same port (where the
        posting clients expect it)."""
        serving = self.procs.serving
        assert serving is not None
        self.procs.helpers_of(serving.pid)
        self.kill(serving)
        self.api = self.procs.api(self.the_api.server.port, with_worker=self.serve_worker)

    def finish(self, started: float) -> Figures:
        """Waits for the posts, lets the system settle, and counts."""
        if self._poster is not None:
            self._poster.join(timeout=max(0.0, self.until - time.monotonic()))
            if self._poster_failure:
                raise self._poster_failure[0]
            assert not self._poster.is_alive(), "the events were not all posted in time"
        api = self.the_api
        settle(
            api,
            self.distribution_id,
            self.receiver,
            len(self.accepted),
            min(time.monotonic() + SETTLE, self.until),
        )
        return measure(
            api,
            self.distribution_id,
            self.receiver,
            set(self.accepted),
            scenario=self.scenario.name,
            backend=self.backend,
            kills=self.faults,
            seconds=time.monotonic() - started,
            unacknowledged=self.count - len(self.accepted),
        )


def _at_least(items: set[str], count: int) -> bool:
    return len(items) >= count


def _dispatched(run: Run, count: int) -> bool:
    return sendout_total(run.the_api, run.distribution_id) >= count


# --- the scenarios --------------------------------------------------------------------------


def kill_serve(run: Run) -> None:
    """kill -9 of ``serve`` (API and worker) while it delivers, started again at once."""
    run.start(serve_worker=True, workers=1 if run.backend == POSTGRESQL else 0)
    run.post_all()
    for point in run.set_points():
        run.wait(run.delivered_at_least(point, all_posted=True), f"{point} delivered")
        run.kill_serve_and_restart()


def kill_worker(run: Run) -> None:
    """kill -9 of a ``sendout worker`` while it delivers, and a new one started."""
    run.start(serve_worker=False, workers=2 if run.backend == POSTGRESQL else 1)
    run.post_all()
    for k, point in enumerate(run.set_points()):
        run.wait(run.delivered_at_least(point), f"{point} delivered")
        slot = k % len(run.workers)
        run.procs.helpers_of(run.workers[slot].pid)
        run.kill(run.workers[slot])
        run.workers[slot] = run.procs.workers(1)[0]


def kill_helper(run: Run) -> None:
    """kill -9 of SQLite's dispatch helper while it dispatches a backlog. The events come in
    waves; during each, the worker is stopped (SIGSTOP) so that a backlog builds up and the
    helper alone dispatches it; the first wave only gets the helper started."""
    run.start(serve_worker=False, workers=1)
    (worker,) = run.workers
    size = run.count // (run.kills + 1)
    for wave in range(run.kills + 1):
        first = wave * size
        count = run.count - first if wave == run.kills else size
        helpers = run.procs.helpers_of(worker.pid)
        before = sendout_total(run.the_api, run.distribution_id)
        os.kill(worker.pid, signal.SIGSTOP)
        try:
            # A worker stopped inside a transaction holds SQLite's write lock: posts may
            # then fail (500 after the busy timeout); they count as unacknowledged.
            run.accepted |= post_events(
                run.the_api, EVENT, count, first=first, tolerate_failures=True
            )
            if helpers:
                # Killed once it has dispatched some of the wave (a third), mid-backlog.
                run.wait(
                    partial(_dispatched, run, before + count // 3),
                    "the helper dispatching",
                    within=5.0,
                )
                dispatched = sendout_total(run.the_api, run.distribution_id) - before
                run.notes.append(f"helper killed after {dispatched} of {count} dispatched")
                for pid in helpers:
                    os.kill(pid, signal.SIGKILL)
                run.faults += 1
        finally:
            os.kill(worker.pid, signal.SIGCONT)
        run.wait(run.delivered_at_least(first + count), f"wave {wave} delivered")
        # The next wave wants a helper ready: started again, and past its start-up.
        run.wait(partial(run.procs.helpers_of, worker.pid), "a helper running")
        time.sleep(2.0)


def kill_api_during_ingest(run: Run) -> None:
    """kill -9 of ``serve`` while events are being posted, started again on the same port;
    posts cut by the kill are left out (not retried: they may have been recorded)."""
    sqlite = run.backend == SQLITE
    run.start(serve_worker=sqlite, workers=0 if sqlite else 2)
    run.post_all(tolerate_failures=True)
    for point in run.set_points():
        run.wait(partial(_at_least, run.accepted, point), f"{point} accepted")
        run.kill_serve_and_restart()


def terminate_connections(run: Run) -> None:
    """PostgreSQL ends every connection of the service (``pg_terminate_backend``)."""
    run.start(serve_worker=False, workers=2)
    run.post_all(tolerate_failures=True)  # the API's connections go too
    for point in run.set_points():
        run.wait(run.delivered_at_least(point), f"{point} delivered")
        ended = asyncio.run(_terminate_backends(run.database_url))
        run.notes.append(f"{ended} connections terminated")
        run.faults += 1


async def _terminate_backends(database_url: str) -> int:
    database = urlsplit(database_url).path.lstrip("/")
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        ended = await conn.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await conn.close()
    return int(ended)


def frozen_worker(run: Run) -> None:
    """One of two workers stopped (SIGSTOP) with attempts in flight, past its lease, while
    the other takes its send-outs over; then woken (SIGCONT). No retries (``max_retries``
    0): a stale worker's timed-out attempt would turn a delivered send-out FAILED."""
    run.start(serve_worker=False, workers=2)
    run.post_all()
    point = run.count // 4
    run.wait(run.delivered_at_least(point, all_posted=True), f"{point} delivered")
    frozen = run.workers[0]
    os.kill(frozen.pid, signal.SIGSTOP)
    try:
        time.sleep(FREEZE)
    finally:
        os.kill(frozen.pid, signal.SIGCONT)
    run.faults += 1


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    play: Callable[[Run], None]
    backends: tuple[str, ...]
    delay: float  # the receiver's answer time: slow enough for the faults to land mid-run
    #: duplicates each fault may cause: the attempts in flight it cuts, sent again
    duplicates_per_fault: int
    retry: dict[str, int] | None = None

    def duplicates_bound(self, faults: int) -> int:
        return faults * self.duplicates_per_fault


BOTH = (SQLITE, POSTGRESQL)
SCENARIOS = (
    Scenario("kill -9 serve", kill_serve, BOTH, 0.05, CONCURRENCY),
    Scenario("kill -9 worker", kill_worker, BOTH, 0.02, CONCURRENCY),
    Scenario("kill -9 dispatch helper", kill_helper, (SQLITE,), 0.0, 0),
    # On SQLite ``serve`` delivers too: its attempts in flight are cut with it.
    Scenario("kill -9 API in ingest", kill_api_during_ingest, BOTH, 0.005, CONCURRENCY),
    # Every worker's outcomes in flight may fail to be recorded, and be sent again.
    Scenario("pg connections ended", terminate_connections, (POSTGRESQL,), 0.02, 2 * CONCURRENCY),
    Scenario("frozen worker", frozen_worker, BOTH, 0.2, CONCURRENCY, retry={"max_retries": 0}),
)


def broken_guarantees(scenario: Scenario, figures: Figures) -> list[str]:
    """What the run broke of the pipeline's guarantees (empty: none)."""
    bound = scenario.duplicates_bound(figures.kills)
    broken = {
        "lost": figures.lost,
        "stuck": figures.stuck,
        "regressed (delivered, yet FAILED)": figures.regressed,
        "paused": figures.paused,
        "notified": figures.notified,
        f"duplicates over {bound}": figures.duplicates > bound,
    }
    return [what for what, count in broken.items() if count]


def run_scenario(
    scenario: Scenario,
    backend: str,
    database_url: str,
    workdir: Path,
    receivers: list[Receiver],
    count: int = SENDOUTS,
    kills: int = KILLS,
) -> Figures:
    """Plays ``scenario`` on a fresh database of ``backend`` and counts what came of it.
    ``receivers``: where the run's receiver is kept, for the caller to stop."""
    receiver = start_receiver(receivers, scenario.delay)
    started = time.monotonic()
    with Processes(workdir, database_url, SETTINGS) as procs:
        run = Run(
            scenario=scenario,
            backend=backend,
            procs=procs,
            receiver=receiver,
            count=count,
            kills=kills,
            database_url=database_url,
            until=started + RUN_DEADLINE,
        )
        scenario.play(run)
        figures = run.finish(started)
        if figures.lost or figures.stuck or figures.regressed:
            run.notes.append(procs.log_tails())
    return replace(figures, notes=tuple(run.notes))


@contextmanager
def scratch_database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh database of ``backend`` for one run (``serve`` migrates it), dropped after."""
    if backend == SQLITE:
        yield f"sqlite:///{workdir / 'chaos.db'}"
        return
    name = asyncio.run(create_pg_database())
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        asyncio.run(drop_pg_database(name))
