"""Durability of webhook delivery, end to end, with real processes and a real receiver.

- SQLite: the worker is killed with SIGKILL while 2,000 send-outs are going out, and a new
  worker is started: every send-out arrives at least once, none is lost, and only the ones in
  flight at the kill arrive twice (at most ``SENDOUT_DELIVERY_CONCURRENCY`` of them).
- PostgreSQL: two worker processes share 2,000 send-outs in normal operation: each one arrives
  exactly once.

Each test starts its own ``sendout serve --no-worker`` (API only) and ``sendout worker``
processes on a database of its own, and an aiohttp receiver on 127.0.0.1 that counts the
requests per ``webhook-id`` (the send-out id).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos.harness import (
    Processes,
    all_sendouts,
    create_distribution,
    post_events,
    wait_all_delivered,
    wait_quiet,
)
from tests.chaos.receiver import Receiver, receiver_factory, start_receiver
from tests.conftest import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    create_pg_database,
    drop_pg_database,
    require_postgres,
)
from tests.db_faults import end_connections

__all__ = ["receiver_factory"]  # a fixture: used by name, imported to be found

SENDOUTS = 2_000
RECOVERY_WAIT = 30.0  # the same after a kill: the lease (2 s timeout + 5 s), with ample room


# --- which process sent what ----------------------------------------------------------------


def client_ports_of(pid: int, server_port: int) -> set[int]:
    """Local ports of ``pid``'s open TCP connections to ``server_port`` (Linux ``/proc``)."""
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports: set[int] = set()
    for table in (Path(f"/proc/{pid}/net/tcp"), Path(f"/proc/{pid}/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == server_port:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


# --- the tests ------------------------------------------------------------------------------


def test_sqlite_a_worker_killed_mid_stream_loses_nothing_and_repeats_only_in_flight(
    tmp_path: Path, receiver_factory: list[Receiver]
) -> None:
    concurrency = 32
    kill_after = 400  # distinct send-outs received before the kill
    receiver = start_receiver(receiver_factory, delay=0.005)
    settings = {
        "SENDOUT_DELIVERY_TIMEOUT": "2",  # lease = timeout + 5 s: due again ~7 s after a kill
        "SENDOUT_DELIVERY_CONCURRENCY": str(concurrency),
        "SENDOUT_ENDPOINT_CONCURRENCY": str(concurrency),
    }
    with Processes(tmp_path, f"sqlite:///{tmp_path / 'sendout.db'}", settings) as procs:
        api = procs.api()
        distribution_id = create_distribution(api, receiver.url, "durability_crash")
        post_events(api, "durability_crash", SENDOUTS)

        (first,) = procs.workers()
        deadline = time.monotonic() + 30
        while receiver.distinct() < kill_after and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        time.sleep(0.3)  # requests the dead worker had already written are still read
        before_kill, requests_before = receiver.snapshot()
        assert kill_after <= len(before_kill) < SENDOUTS, (
            f"the kill did not land mid-stream: {len(before_kill)} of {SENDOUTS} received"
            f"\n{procs.log_tails()}"
        )

        procs.workers()
        recovery = wait_all_delivered(
            api, distribution_id, SENDOUTS, receiver, procs, within=RECOVERY_WAIT
        )
        wait_quiet(receiver)
        sendouts = all_sendouts(api, distribution_id)
        counts, total = receiver.snapshot()
        logs = procs.log_tails()

    repeated = {i: n for i, n in counts.items() if n > 1}
    print(
        f"\nkilled after {len(before_kill)} distinct ids ({requests_before} requests); "
        f"all DELIVERED {recovery:.1f} s after the restart "
        f"({time.monotonic() - killed_at:.1f} s after the kill); "
        f"{total} requests, {total - len(counts)} repeats over {len(repeated)} ids"
    )
    assert len(sendouts) == SENDOUTS
    assert set(sendouts.values()) == {"DELIVERED"}
    assert "" not in counts, "a request came without a webhook-id"
    lost = set(sendouts) - set(counts)
    assert not lost, f"{len(lost)} send-outs never arrived, e.g. {sorted(lost)[:5]}"
    assert set(counts) == set(sendouts), f"unknown ids arrived: {set(counts) - set(sendouts)}"
    assert all(n >= 1 for n in counts.values())
    # Repeats only for the send-outs in flight at the kill: ones the dead worker had sent out,
    # no more of them than it could have had in flight.
    assert set(repeated) <= set(before_kill), (
        f"repeated ids the killed worker never sent: {set(repeated) - set(before_kill)}"
    )
    # The documented bound (README, "Guarantees"): a worker killed with SIGKILL repeats at
    # most the attempts it had in flight, so repeats <= SENDOUT_DELIVERY_CONCURRENCY per kill.
    kills = 1
    assert total - SENDOUTS <= concurrency * kills, (
        f"{total - SENDOUTS} repeated deliveries over {len(repeated)} ids, more than the "
        f"{concurrency} attempts a worker may have in flight; counts of the repeated: "
        f"{sorted(Counter(repeated.values()).items())}\n{logs}"
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database of this test's own, dropped at the end."""
    require_postgres()
    name = asyncio.run(create_pg_database())
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        asyncio.run(drop_pg_database(name))


@pytest.mark.postgres
def test_postgres_two_workers_deliver_every_sendout_exactly_once(
    tmp_path: Path, postgres_url: str, receiver_factory: list[Receiver]
) -> None:
    # A delay makes one worker alone need over a second, so both take part.
    receiver = start_receiver(receiver_factory, delay=0.02)
    settings = {"SENDOUT_DELIVERY_CONCURRENCY": "32", "SENDOUT_ENDPOINT_CONCURRENCY": "32"}
    with Processes(tmp_path, postgres_url, settings) as procs:
        api = procs.api()  # migrates the fresh database before any worker starts
        distribution_id = create_distribution(api, receiver.url, "durability_pair")
        post_events(api, "durability_pair", SENDOUTS)

        workers = procs.workers(2)
        took = wait_all_delivered(api, distribution_id, SENDOUTS, receiver, procs)
        wait_quiet(receiver)
        sendouts = all_sendouts(api, distribution_id)
        counts, total = receiver.snapshot()
        # Which worker sent what: each worker's open keep-alive connections to the receiver
        # (Linux /proc; the connections stay open for the pool's keep-alive time).
        with receiver.lock:
            peer_ports = Counter(receiver.peer_ports)
        sent_by = {
            w.pid: sum(peer_ports[p] for p in client_ports_of(w.pid, receiver.port))
            for w in workers
        }
        logs = procs.log_tails()

    print(
        f"\n{SENDOUTS} send-outs DELIVERED by two workers in {took:.1f} s; "
        f"requests per worker (by its open connections): {sent_by}"
    )
    assert len(sendouts) == SENDOUTS
    assert set(sendouts.values()) == {"DELIVERED"}
    assert set(counts) == set(sendouts), (
        f"lost: {len(set(sendouts) - set(counts))}, unknown: {len(set(counts) - set(sendouts))}"
    )
    repeated = {i: n for i, n in counts.items() if n != 1}
    assert not repeated, f"{len(repeated)} send-outs arrived more than once\n{logs}"
    assert total == SENDOUTS
    assert all(n > 0 for n in sent_by.values()), f"a worker sent nothing: {sent_by}\n{logs}"


@pytest.mark.parametrize("connections_ended", [False, True], ids=["steady", "connections-ended"])
def test_postgres_a_separate_worker_is_woken_by_notify_not_by_polling(
    tmp_path: Path, postgres_url: str, receiver_factory: list[Receiver], connections_ended: bool
) -> None:
    """With polling set to once a minute, the worker in its own process can only deliver in
    seconds if the API's commit woke it (LISTEN/NOTIFY), also after the server ended every
    connection of the database (the worker's LISTEN among them) between two events."""
    receiver = start_receiver(receiver_factory, delay=0.0)
    settings = {"SENDOUT_WORKER_POLL_SECONDS": "60"}
    with Processes(tmp_path, postgres_url, settings) as procs:
        api = procs.api()
        distribution_id = create_distribution(api, receiver.url, "notify_wake")
        (worker,) = procs.workers(1)
        time.sleep(1.0)  # the worker's first cycle has run and found nothing: it now waits
        for round_ in range(3):
            if connections_ended and round_ == 1:
                assert asyncio.run(end_connections(postgres_url.rsplit("/", 1)[1])) >= 1
                wait_logged(procs.logs[worker.pid], "listening for work again", within=10.0)
                time.sleep(0.5)  # the wake-up of its return has run and found nothing
            post_events(api, "notify_wake", 1)
            wait_all_delivered(api, distribution_id, round_ + 1, receiver, procs, within=10.0)


def wait_logged(log: Path, text: str, within: float) -> None:
    deadline = time.monotonic() + within
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"never logged {text!r}:\n{log.read_text()}"
        time.sleep(0.05)
