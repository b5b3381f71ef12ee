"""``/metrics`` end to end: a real server and a real worker scraped after real traffic (events
recorded, send-outs dispatched and delivered to a receiver on 127.0.0.1), the figures moving as
they should, no label carrying an id or a URL, and strangers answered 404."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import voucherify
from prometheus_client.parser import text_string_to_metric_families

from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.entrypoints.dispatch_share import LONG_QUEUE
from sendout.services.accounts.projects import create_project
from sendout.services.pipeline.distributions import create_distribution
from sendout.testing import make_context, webhook_distribution_draft
from tests.e2e.conftest import (
    WAIT_SECONDS,
    Api,
    Receiver,
    Server,
    free_port,
    request,
    start_server,
    stop_server,
    wait_until,
)
from tests.e2e.deliveries import distribution_to, track
from tests.factories.processes import children
from tests.factories.projects import record_joined

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
#: what no label may hold: ids of every kind, URLs, addresses
UNBOUNDED = ("distr_", "cust_", "whs_", "evcus_", "proj_", "http:", "https:", "127.0.0.1")


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(server: Server, source: str | None = None) -> Samples:
    status, headers, body = request(server, "GET", "/metrics", source=source)
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(body.decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def assert_labels_bounded(samples: Samples, *also: str) -> None:
    for name, labels in samples:
        for label, shown in labels:
            assert not any(word in shown for word in (*UNBOUNDED, *also)), (name, label, shown)
            if label == "route":
                assert shown == "unmatched" or shown.startswith("/"), shown


def test_the_apis_metrics_move_with_requests_events_and_deliveries(
    server: Server, api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    before = scrape(server)
    created = distribution_to(api, receiver.url, "metered")
    track(sdk, "metered", "metered-customer", "Ann")
    receiver.wait_for(1)
    wait_until(api, created["id"], lambda s: s and s[0]["status"] == "DELIVERED", "delivered")
    status, _ = api.call("GET", "/v1/customers/cust_not_there")
    assert status == 404
    after = scrape(server)

    requests = "sendout_http_requests_total"
    assert moved(before, after, requests, method="POST", route="/v1/distributions", status="200")
    assert moved(before, after, requests, method="POST", route="/v1/events", status="200") == 1
    # The route's template, never the path with the id the client sent.
    customer = {"method": "GET", "route": "/v1/customers/{customer_id}", "status": "404"}
    assert moved(before, after, requests, **customer) == 1
    assert (
        moved(
            before,
            after,
            "sendout_http_request_duration_seconds_count",
            method="POST",
            route="/v1/events",
        )
        == 1
    )
    assert moved(before, after, "sendout_events_recorded_total", type="customer.custom_event")
    assert moved(before, after, "sendout_dispatch_batch_size_count") >= 1
    assert moved(before, after, "sendout_sendouts_created_total", channel="webhook") >= 1
    delivered = {"channel": "webhook", "status": "delivered"}
    assert moved(before, after, "sendout_sendout_outcomes_total", **delivered) >= 1
    attempts = "sendout_attempt_duration_seconds_count"
    assert moved(before, after, attempts, outcome="delivered") >= 1
    # The in-process worker's figures are on the API's /metrics too.
    for gauge in (
        "sendout_due_sendouts",
        "sendout_due_oldest_age_seconds",
        "sendout_dispatch_lag_seconds",
        "sendout_events_undispatched",
        "sendout_async_actions_in_progress",
        "sendout_endpoint_breakers_open",
        "sendout_stale_reports_total",
    ):
        assert (gauge, frozenset()) in after, gauge
    heartbeat = value(after, "sendout_worker_lane_heartbeat_timestamp_seconds", lane="delivery")
    assert time.time() - 60 < heartbeat <= time.time()
    assert_labels_bounded(after, "metered-customer", str(receiver.port))


def test_metrics_are_answered_only_to_allowed_clients(tmp_path: Path) -> None:
    process, server = start_server(
        f"sqlite:///{tmp_path / 'allow.db'}", tmp_path, {"SENDOUT_METRICS_ALLOW": "127.0.0.1/32"}
    )
    try:
        # 127.0.0.2 is loopback too, but not in the list: answered as an unknown path is.
        status, _, body = request(server, "GET", "/metrics", source="127.0.0.2")
        unknown_status, _, unknown = request(server, "GET", "/nothing-here", source="127.0.0.2")
        assert (status, unknown_status) == (404, 404)
        refused, nothing = orjson.loads(body), orjson.loads(unknown)
        assert refused.pop("request_id") != nothing.pop("request_id")
        assert refused == nothing
        assert (
            value(
                scrape(server, "127.0.0.1"),
                "sendout_http_requests_total",
                method="GET",
                route="unmatched",
                status="404",
            )
            == 1
        )
    finally:
        stop_server(process)


@pytest.fixture
async def backlog(isolated_container: Container, receiver: Receiver) -> tuple[str, int]:
    """A database of its own with a distribution to the receiver and events waiting (on
    SQLite a backlog, so that the worker's dispatch helper takes part): its URL, the events."""
    url = isolated_container.settings.database_url
    loopback = (ipaddress.ip_network("127.0.0.0/8"),)
    container = bootstrap(Settings(database_url=url, allowed_targets=loopback))
    try:
        issued = await create_project(container.uow_factory, container.clock, container.rng, "m")
        ctx = make_context(issued.project.id, clock=container.clock, rng=container.rng)
        draft = webhook_distribution_draft("joined", receiver.url)
        await create_distribution(container.uow_factory, ctx, draft, catalog=container.channels)
        events = LONG_QUEUE * 3 if url.startswith("sqlite") else 5
        await record_joined(container, ctx, events)
    finally:
        await container.close()
    return url, events


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS * 2
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_workers_metrics_count_its_dispatch_helpers_work_and_its_deliveries(
    backlog: tuple[str, int], receiver: Receiver, tmp_path: Path
) -> None:
    url, events = backlog
    sqlite = url.startswith("sqlite")
    port = free_port()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "SENDOUT_DATABASE_URL": url,
        "SENDOUT_ALLOWED_TARGETS": "127.0.0.0/8",
    }
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "sendout", "worker", "--metrics-port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = Server("127.0.0.1", port, log)
    try:

        def scraped() -> Samples:
            try:
                return scrape(endpoint)
            except OSError:
                return {}

        def all_made() -> bool:
            return value(scraped(), "sendout_sendouts_created_total", channel="webhook") >= events

        wait_for(all_made, f"{events} send-outs counted:\n{log.read_text()}")
        receiver.wait_for(1)
        helper = children(worker.pid) if sqlite else set()
        samples = scraped()
        # Each event's one send-out counted once, whichever process dispatched it.
        assert value(samples, "sendout_sendouts_created_total", channel="webhook") == events
        assert value(samples, "sendout_dispatch_batch_size_sum") >= events
        wait_for(
            lambda: value(scraped(), "sendout_attempt_duration_seconds_count", outcome="delivered"),
            "a delivery counted",
        )
        samples = scraped()
        lanes = {
            dict(labels)["lane"]
            for name, labels in samples
            if name == "sendout_worker_lane_heartbeat_timestamp_seconds"
        }
        assert lanes == {"main", "manual", "delivery"}
        assert ("sendout_due_sendouts", frozenset()) in samples
        if sqlite:
            assert "dispatch process" in log.read_text(), "the helper never started"
            assert helper, "the helper was not running"
            assert ("sendout_dispatch_helper_ready", frozenset()) in samples
        assert_labels_bounded(samples, str(receiver.port))
        # Strangers are not told: the worker's listener answers them as any unknown path.
        status, _, _ = request(endpoint, "GET", "/anything")
        assert status == 404
    finally:
        worker.terminate()
        worker.wait(timeout=20)
