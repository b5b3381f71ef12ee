"""Recovery when a person acts (issue 21 §3), end to end on both backends, with the API and
the worker in separate processes (``serve --no-worker`` + ``sendout worker``): a person's
"try now" written by the API must reach the worker's in-memory breaker.

- A dead endpoint opens the breaker (30 s cool-down); once the endpoint is fixed, "set live"
  delivers the held send-outs within a couple of seconds (before: after the cool-down).
- ``resend`` of a send-out waiting for a retry an hour away sends it now (before: 400
  ``sendout_pending``); an attempt in flight still refuses it.
- A 3-retry ladder of 1-2 s pauses its distribution within the ladder's own time plus a few
  seconds, though the breaker is open (before: ~90 s, the breaker's cool-downs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.chaos.harness import Api, Processes, create_distribution, post_events
from tests.e2e.conftest import Receiver
from tests.e2e.own_database import database_url

__all__ = ["database_url"]  # a fixture: used by name, imported to be found

SETTINGS = {"SENDOUT_DELIVERY_TIMEOUT": "2"}
BREAKER_THRESHOLD = 5  # the default: failures in a row that open an endpoint's breaker
BREAKER_OPEN = "EndpointUnavailable: breaker open"  # a fast failure's reason
HOUR_LADDER = {"max_retries": 3, "initial_delay_seconds": 3600}
TRY_NOW_BOUND = 3.0  # seconds from a person's action to delivery (the cool-down is 30 s)


def sendouts(api: Api, distribution_id: str) -> list[dict[str, Any]]:
    status, listing = api.call("GET", f"/v1/sendouts?distribution_id={distribution_id}&limit=100")
    assert status == 200, listing
    return list(listing["sendouts"])


def wait_for(check: Callable[[], bool], within: float, procs: Processes, what: str) -> float:
    """Seconds until ``check()`` holds (bounded by ``within``)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not {what} within {within:.0f} s\n{procs.log_tails()}")


def attempted(api: Api, distribution_id: str) -> int:
    return sum(s["attempts_count"] > 0 for s in sendouts(api, distribution_id))


def count(api: Api, distribution_id: str, status: str) -> int:
    return sum(s["status"] == status for s in sendouts(api, distribution_id))


def test_set_live_after_fixing_a_dead_endpoint_delivers_at_once(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    receiver.status = 500
    with Processes(tmp_path, database_url, SETTINGS) as procs:
        api = procs.api()
        procs.workers()
        # Failures enough to open the endpoint's breaker (their retries an hour away).
        noise = create_distribution(api, receiver.url, "noise", HOUR_LADDER)
        post_events(api, "noise", BREAKER_THRESHOLD)
        wait_for(lambda: attempted(api, noise) == BREAKER_THRESHOLD, 30, procs, "attempted")
        # With the breaker open, a send-out without retries fails at once and pauses its
        # distribution; the next ones are held.
        distribution = create_distribution(api, receiver.url, "dead", {"max_retries": 0})
        post_events(api, "dead", 1)
        wait_for(lambda: count(api, distribution, "FAILED") == 1, 30, procs, "failed")
        (failed,) = sendouts(api, distribution)
        assert failed["reason"] == BREAKER_OPEN
        post_events(api, "dead", 3, first=100)
        wait_for(lambda: count(api, distribution, "HELD") == 3, 30, procs, "held")
        tried = len(receiver.requests)
        assert tried == BREAKER_THRESHOLD

        receiver.status = 200  # the endpoint is fixed
        status, live = api.call("POST", f"/v1/distributions/{distribution}/activate")
        assert (status, live["status"]) == (200, "ACTIVE"), live
        took = wait_for(lambda: count(api, distribution, "DELIVERED") == 3, 30, procs, "delivered")
        assert took < TRY_NOW_BOUND, took
        assert len(receiver.requests) == tried + 3


def test_resend_sends_a_retry_scheduled_send_out_now_but_not_one_in_flight(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    receiver.status = 500
    with Processes(tmp_path, database_url, SETTINGS) as procs:
        api = procs.api()
        procs.workers()
        distribution = create_distribution(api, receiver.url, "later", HOUR_LADDER)
        post_events(api, "later", 1)
        wait_for(lambda: attempted(api, distribution) == 1, 30, procs, "attempted")
        (waiting,) = sendouts(api, distribution)
        assert (waiting["status"], waiting["reason"]) == ("PENDING", "HTTP 500")

        receiver.status = 200
        status, resent = api.call("POST", f"/v1/sendouts/{waiting['id']}/resend")
        assert (status, resent["status"], resent["reason"]) == (200, "PENDING", "resent")
        took = wait_for(lambda: count(api, distribution, "DELIVERED") == 1, 30, procs, "delivered")
        assert took < TRY_NOW_BOUND, took
        (delivered,) = sendouts(api, distribution)
        assert delivered["attempts_count"] == 2

        # An attempt in flight (the endpoint answers after the 2 s timeout) refuses it.
        receiver.script = [(200, {}, 3.0)]
        status, again = api.call("POST", f"/v1/sendouts/{waiting['id']}/resend")
        assert status == 200, again
        receiver.wait_for(3)
        status, refused = api.call("POST", f"/v1/sendouts/{waiting['id']}/resend")
        assert (status, refused["key"]) == (400, "sendout_pending"), refused


def test_a_short_ladder_pauses_in_its_own_time_though_the_breaker_is_open(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    receiver.status = 500
    with Processes(tmp_path, database_url, SETTINGS) as procs:
        api = procs.api()
        procs.workers()
        ladder = {"max_retries": 3, "initial_delay_seconds": 1, "max_delay_seconds": 2}
        distribution = create_distribution(api, receiver.url, "short", ladder)
        post_events(api, "short", BREAKER_THRESHOLD + 1)
        # The ladder: 1 s, 2 s, 2 s (±10 %) after the first attempt; then failed, paused
        # (the send-outs that had not run out yet by then are held).
        took = wait_for(lambda: paused(api, distribution), 60, procs, "paused")
        assert took < 5.5 + 4, took
        rows = sendouts(api, distribution)
        failed = [s for s in rows if s["status"] == "FAILED"]
        assert failed, rows
        assert {s["attempts_count"] for s in failed} == {4}, failed
        wait_for(
            lambda: {s["status"] for s in sendouts(api, distribution)} <= {"FAILED", "HELD"},
            10,
            procs,
            "settled",
        )
        # The breaker was open: later steps made no connection.
        assert len(receiver.requests) < 4 * (BREAKER_THRESHOLD + 1)
        assert BREAKER_OPEN in {s["reason"] for s in failed}, failed


def paused(api: Api, distribution_id: str) -> bool:
    status, shown = api.call("GET", f"/v1/distributions/{distribution_id}")
    assert status == 200, shown
    return bool(shown["status"] == "PAUSED")
