"""What the metrics count, reduced to bounded labels (``domain/observations.py``), and who may
read them (``SENDOUT_METRICS_ALLOW``, ``--metrics-port``)."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime

import orjson
import pytest

from sendout.adapters.metrics import Metrics, may_scrape
from sendout.config import LOOPBACK, Settings, SettingsError, metrics_port
from sendout.domain.breaker import BREAKER_OPEN
from sendout.domain.deliveries import SendResult
from sendout.domain.events import EventType
from sendout.domain.observations import Facts, Tally, attempt_outcome, channel_kind
from sendout.domain.sendout_lifecycle import create
from sendout.domain.sendouts import Sendout, SendoutStatus, SourceKind, SourceRef
from sendout.testing import FakeClock

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
KINDS = {"smtp": "email", "twilio": "sms"}


def a_sendout(url: str, *, kind: SourceKind = SourceKind.DISTRIBUTION, **states: str) -> Sendout:
    return create(
        id="whs_1",
        project_id="proj_1",
        source=SourceRef(kind, "distr_1"),
        channel_id="ch_1",
        channel="a customer's own event name",
        event_id="evcus_1",
        event_type="customer.custom_event",
        customer_id="cust_1",
        url=url,
        headers={},
        body=b"",
        now=NOW,
        **states,
    )


def test_a_sendouts_channel_kind_comes_from_its_source_and_address_never_its_names() -> None:
    assert channel_kind(a_sendout("https://hooks.example.com/a?x=1"), KINDS) == "webhook"
    assert channel_kind(a_sendout("smtp:proj_1"), KINDS) == "email"
    assert channel_kind(a_sendout("twilio:proj_1"), KINDS) == "sms"
    assert channel_kind(a_sendout("gone:proj_1"), KINDS) == "other"
    hook = a_sendout("https://x.example/", kind=SourceKind.WEBHOOK)
    assert channel_kind(hook, KINDS) == "project_webhook"


@pytest.mark.parametrize(
    ("result", "outcome"),
    [
        (SendResult(status_code=204, duration_ms=3), "delivered"),
        (SendResult(status_code=302, duration_ms=3), "http_3xx"),
        (SendResult(status_code=429, duration_ms=3), "http_4xx"),
        (SendResult(status_code=503, duration_ms=3), "http_5xx"),
        (SendResult(status_code=None, duration_ms=10_000, error="TimeoutError"), "timeout"),
        (SendResult(status_code=None, duration_ms=1, error="ConnectionRefusedError"), "error"),
        (SendResult(status_code=None, duration_ms=0, error="10.0.0.1", final=True), "refused"),
        (BREAKER_OPEN, "breaker_open"),
    ],
)
def test_an_attempts_outcome_is_one_of_a_few_words(result: SendResult, outcome: str) -> None:
    assert attempt_outcome(result) == outcome


def test_a_tally_counts_by_bounded_labels_and_survives_the_pipe_to_the_worker() -> None:
    due = a_sendout("https://hooks.example.com/a")
    facts = Facts(
        events=["customer.custom_event", "customer.custom_event", "made.up.by.someone"],
        created=[due, a_sendout("smtp:proj_1", skipped="no address")],
        moved=[replace(due, status=SendoutStatus.DELIVERED), due],  # PENDING: not an outcome
        attempts=[(due, SendResult(status_code=200, duration_ms=250))],
        dispatched=[3],
    )
    tally = Tally.of(facts, KINDS)
    assert tally.events == {"customer.custom_event": 2, "other": 1}
    assert tally.created == {"webhook": 1, "email": 1}
    assert tally.reached == {("email", "skipped"): 1, ("webhook", "delivered"): 1}
    assert tally.attempts == [("delivered", 0.25)]
    assert tally.batches == [3]
    assert Tally.from_json(orjson.loads(orjson.dumps(tally.as_json()))) == tally


def test_a_tally_of_events_recorded_with_enum_types_still_goes_down_the_pipe() -> None:
    """Publications record ``EventType`` members: the dispatch helper's tally line is JSON,
    whose keys must be plain strings (an enum key failed every batch that published)."""
    tally = Tally.of(Facts(events=[EventType.PUBLICATION_SUCCEEDED]), KINDS)
    assert Tally.from_json(orjson.loads(orjson.dumps(tally.as_json()))) == tally
    assert type(next(iter(tally.events))) is str


def test_the_metrics_count_a_tally_and_bound_request_methods() -> None:
    metrics = Metrics(FakeClock(NOW), KINDS)
    metrics.apply(Tally.of(Facts(events=["customer.custom_event"], dispatched=[7]), KINDS))
    for method in ("GET", "BREW", "XYZZY"):
        metrics.observe_request(method, "/v1/customers/{customerId}", 200, 0.01)
    value = metrics.registry.get_sample_value
    assert value("sendout_events_recorded_total", {"type": "customer.custom_event"}) == 1
    assert value("sendout_dispatch_batch_size_sum") == 7
    labels = {"route": "/v1/customers/{customerId}", "status": "200"}
    assert value("sendout_http_requests_total", {**labels, "method": "GET"}) == 1
    assert value("sendout_http_requests_total", {**labels, "method": "other"}) == 2


def test_only_allowed_clients_may_scrape() -> None:
    assert may_scrape("127.0.0.1", LOOPBACK)
    assert may_scrape("::1", LOOPBACK)
    assert may_scrape("::ffff:127.0.0.1", LOOPBACK)
    assert not may_scrape("203.0.113.9", LOOPBACK)
    assert not may_scrape("127.0.0.2", (ipaddress.ip_network("127.0.0.1/32"),))
    assert not may_scrape("127.0.0.1", None)  # metrics off
    assert not may_scrape(None, LOOPBACK)
    assert not may_scrape("not-an-address", LOOPBACK)


def test_metrics_settings_are_checked_where_they_enter() -> None:
    assert Settings.from_env({}).metrics_allow == LOOPBACK
    assert Settings.from_env({}).metrics_port == 9464  # on by default, on loopback
    assert Settings.from_env({"SENDOUT_METRICS_ALLOW": "off"}).metrics_allow is None
    allow = Settings.from_env({"SENDOUT_METRICS_ALLOW": "10.1.0.0/16, 127.0.0.1"}).metrics_allow
    assert allow == (ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("127.0.0.1/32"))
    assert Settings.from_env({"SENDOUT_METRICS_PORT": "9464"}).metrics_port == 9464
    assert Settings.from_env({"SENDOUT_METRICS_PORT": "off"}).metrics_port is None
    assert metrics_port("0", "--metrics-port") is None
    for bad in ({"SENDOUT_METRICS_PORT": "99999"}, {"SENDOUT_METRICS_PORT": "http"}):
        with pytest.raises(SettingsError, match="SENDOUT_METRICS_PORT"):
            Settings.from_env(bad)
    with pytest.raises(SettingsError, match="SENDOUT_METRICS_ALLOW"):
        Settings.from_env({"SENDOUT_METRICS_ALLOW": "everyone"})
