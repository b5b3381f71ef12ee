"""A worker frozen past its lease (SIGSTOP), end to end, on both backends.

A real ``sendout worker`` sends the send-outs of two distributions (one with
``max_retries: 0``, one with retries left) to a receiver on 127.0.0.1 that answers each
send-out's first request with a 500 after a moment. The worker is stopped (SIGSTOP) while
those requests are out, past its lease (``SENDOUT_DELIVERY_TIMEOUT`` 2 s: a 7 s lease); a
second worker takes the send-outs over and delivers them; then the first is continued
(SIGCONT) and reports its failed attempts. Before fencing, those reports failed the
delivered send-outs and paused the distribution (``max_retries: 0``), or sent them again
(retries left). Now: the newer worker's state stands (DELIVERED), nothing is paused, nobody
is notified, nothing is sent a third time, and ``attempts_count`` counts both attempts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.chaos.harness import Api, Processes, post_events, wait_quiet
from tests.chaos.receiver import Receiver
from tests.e2e.own_database import database_url

__all__ = ["database_url"]  # a fixture: used by name, imported to be found

PER_DISTRIBUTION = 4
FIRST_ANSWER_DELAY = 1.0  # seconds the receiver holds each first request: the worker is
#                           stopped meanwhile, its attempt in flight
STOPPED_FOR_LEASE = 30.0  # bound on: lease runs out, the second worker delivers everything
WAKE_WAIT = 20.0  # bound on: the continued worker has reported its attempts


class FirstRequestFails(Receiver):
    """Counts requests per ``webhook-id``; answers a send-out's first request with a 500
    after ``delay``, any later one with a 200 at once."""

    async def _handle(self, incoming: web.Request) -> web.Response:
        await incoming.read()
        webhook_id = incoming.headers.get("webhook-id", "")
        with self.lock:
            self.counts[webhook_id] += 1
            self.total += 1
            first = self.counts[webhook_id] == 1
        if not first:
            return web.Response(text="ok")
        await asyncio.sleep(self.delay)
        return web.Response(status=500, text="first attempt fails")


@pytest.fixture
def receiver() -> Iterator[FirstRequestFails]:
    started = FirstRequestFails(FIRST_ANSWER_DELAY)
    started.start()
    yield started
    started.stop()


def create_distribution(api: Api, url: str, event: str, max_retries: int) -> str:
    channel = {
        "type": "webhook",
        "event_name": event,
        "url": url,
        "retry": {"max_retries": max_retries, "initial_delay_seconds": 1},
    }
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": event,
            "trigger": {"event": "customer.custom_event", "custom_event": event},
            "action": {"type": "PLAIN"},
            "channels": [channel],
        },
    )
    assert status == 200, created
    return str(created["id"])


def sendouts_of(api: Api, distribution_id: str) -> list[dict[str, Any]]:
    status, listing = api.call(
        "GET", f"/v1/sendouts?distribution_id={distribution_id}&limit={PER_DISTRIBUTION + 1}"
    )
    assert status == 200, listing
    found: list[dict[str, Any]] = listing["sendouts"]
    return found


def wait_until(check: Any, within: float, procs: Processes, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not {what} within {within:.0f} s\n{procs.log_tails()}")


def test_a_worker_frozen_past_its_lease_leaves_the_newer_workers_state(
    tmp_path: Path, database_url: str, receiver: FirstRequestFails
) -> None:
    settings = {"SENDOUT_DELIVERY_TIMEOUT": "2"}  # lease = timeout + 5 s
    with Processes(tmp_path, database_url, settings) as procs:
        api = procs.api()
        distributions = {
            create_distribution(api, receiver.url, "frozen_once", max_retries=0): "once",
            create_distribution(api, receiver.url, "frozen_retried", max_retries=3): "retried",
        }
        post_events(api, "frozen_once", PER_DISTRIBUTION)
        post_events(api, "frozen_retried", PER_DISTRIBUTION)
        everything = 2 * PER_DISTRIBUTION

        # The first worker polls rarely: stopped, it is then nearly never inside a
        # transaction (on SQLite a stopped writer would hold the file's write lock).
        procs.env["SENDOUT_WORKER_POLL_SECONDS"] = "60"
        (frozen,) = procs.workers()
        wait_until(lambda: receiver.distinct() == everything, 30, procs, "all sent once")
        os.kill(frozen.pid, signal.SIGSTOP)
        try:
            procs.env.pop("SENDOUT_WORKER_POLL_SECONDS")
            procs.workers()
            wait_until(
                lambda: all(
                    s["status"] == "DELIVERED" for d in distributions for s in sendouts_of(api, d)
                ),
                STOPPED_FOR_LEASE,
                procs,
                "delivered by the second worker",
            )
        finally:
            os.kill(frozen.pid, signal.SIGCONT)
        wait_until(
            lambda: all(
                s["attempts_count"] == 2 for d in distributions for s in sendouts_of(api, d)
            ),
            WAKE_WAIT,
            procs,
            "both attempts counted",
        )
        wait_quiet(receiver)  # nothing sent a third time
        sendouts = {d: sendouts_of(api, d) for d in distributions}
        shown = {d: api.call("GET", f"/v1/distributions/{d}")[1] for d in distributions}
        _, notifications = api.call("GET", "/v1/notifications")
        counts, _ = receiver.snapshot()
        frozen_log = procs.logs[frozen.pid].read_text(errors="replace")

    for distribution_id, rows in sendouts.items():
        assert len(rows) == PER_DISTRIBUTION, distributions[distribution_id]
        assert {(s["status"], s["attempts_count"], s["next_attempt_at"]) for s in rows} == {
            ("DELIVERED", 2, None)
        }, distributions[distribution_id]
        assert shown[distribution_id]["status"] == "ACTIVE", distributions[distribution_id]
    assert notifications["total"] == 0, notifications
    assert set(counts.values()) == {2}  # the frozen worker's attempt and the newer one's
    stale = [line for line in frozen_log.splitlines() if "taken over" in line]
    every_id = {s["id"] for rows in sendouts.values() for s in rows}
    assert {sendout_id for sendout_id in every_id if any(sendout_id in ln for ln in stale)} == (
        every_id
    )
    assert all("WARNING" in line for line in stale), stale
