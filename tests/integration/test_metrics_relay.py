"""SQLite's dispatch helper counts in its worker's metrics: the child writes a tally line per
commit after ``ready``, and the worker's lane hands each to its metrics."""

from __future__ import annotations

import asyncio
import logging
import os
import select
import socket
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from sendout.adapters.metrics import Metrics
from sendout.config import LOOPBACK
from sendout.domain.observations import Tally
from sendout.entrypoints.dispatch_process import DispatchProcess, child_command
from sendout.entrypoints.dispatch_share import LONG_QUEUE
from sendout.entrypoints.metrics_server import metrics_listener
from sendout.testing import FakeClock
from tests.factories.processes import record_backlog, until


async def test_the_worker_counts_the_tallies_its_helper_writes() -> None:
    line = b"tally " + orjson.dumps(Tally(batches=[100]).as_json())
    script = (
        "import sys; out = sys.stdout.buffer; "
        f"out.write(b'ready\\n' + {line!r} + b'\\nnoise\\n' + {line!r} + b'\\n'); out.flush(); "
        "sys.stdin.read()"
    )
    counted: list[Tally] = []
    lane = DispatchProcess([sys.executable, "-c", script], os.environ, counted.append)
    lane.want()
    running = asyncio.create_task(lane.run())
    await until(lambda: len(counted) == 2)
    lane.stop()
    await asyncio.wait_for(running, 5)
    assert counted == [Tally(batches=[100]), Tally(batches=[100])]


def test_the_dispatch_child_reports_what_each_commit_wrote(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'relay.db'}"
    events = LONG_QUEUE * 3
    asyncio.run(record_backlog(url, events))
    log = tmp_path / "child.log"
    env = {**os.environ, "SENDOUT_DATABASE_URL": url, "SENDOUT_LOG_LEVEL": "INFO"}
    with log.open("wb") as out:
        child = subprocess.Popen(
            child_command(), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=out
        )
    try:
        assert child.stdout is not None
        readable, _, _ = select.select([child.stdout], [], [], 30)
        assert readable, "the child never said it was ready"
        assert child.stdout.readline() == b"ready\n"
        # Alone with a backlog, it dispatches batches while the queue stays long.
        readable, _, _ = select.select([child.stdout], [], [], 30)
        assert readable, "the child reported no commit"
        line = child.stdout.readline()
        assert line.startswith(b"tally "), line
        tally = Tally.from_json(orjson.loads(line[len(b"tally ") :]))
        (size,) = tally.batches
        assert size > 0
        # One webhook send-out per "joined" event of the batch (the first event of the
        # backlog is the customer's customer.created, which makes none).
        assert tally.created["webhook"] in (size, size - 1)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=15)


async def test_a_worker_whose_metrics_port_is_taken_works_on_without_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """On by default on 127.0.0.1:9464: a second worker on the machine finds it taken, says
    so once, and carries on (metrics must never stop delivery)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with caplog.at_level(logging.WARNING, logger="sendout.worker"):
            async with metrics_listener(Metrics(FakeClock(), {}), "127.0.0.1", port, LOOPBACK):
                pass  # the worker's lanes would run here
    (warning,) = [r.getMessage() for r in caplog.records if "metrics not served" in r.getMessage()]
    assert f"127.0.0.1:{port}" in warning
    assert "SENDOUT_METRICS_PORT" in warning
