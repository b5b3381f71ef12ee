"""The endpoint breaker, a channel's retry setting and its signing secrets (domain only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sendout.domain.breaker import Breaker, BreakerPolicy, BreakerState
from sendout.domain.errors import InvalidPayload
from sendout.domain.retry import RetryPolicy
from sendout.domain.signing import SECRET_OVERLAP
from sendout.domain.webhook_channels import WebhookChannel, parse_retry

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
POLICY = BreakerPolicy(
    threshold=3, cooldown=timedelta(seconds=10), max_cooldown=timedelta(seconds=30)
)


def test_the_breaker_opens_after_the_threshold_and_holds_the_endpoint() -> None:
    breaker = Breaker(POLICY)
    for _ in range(2):
        breaker.failed(T0)
    assert breaker.capacity(T0, 16) == 16  # two failures: still closed
    breaker.failed(T0)
    assert breaker.state(T0) is BreakerState.OPEN
    assert breaker.capacity(T0 + timedelta(seconds=9), 16) == 0


def test_after_the_cooldown_one_probe_goes_out_and_success_closes() -> None:
    breaker = Breaker(POLICY)
    for _ in range(3):
        breaker.failed(T0)
    later = T0 + timedelta(seconds=10)
    assert breaker.state(later) is BreakerState.HALF_OPEN
    assert breaker.capacity(later, 16) == 1
    breaker.started(later)
    assert breaker.capacity(later, 16) == 0  # one probe at a time
    breaker.succeeded()
    assert breaker.state(later) is BreakerState.CLOSED
    assert breaker.capacity(later, 16) == 16
    assert breaker.idle


def test_the_endpoint_is_blocked_while_open_and_while_half_open() -> None:
    breaker = Breaker(POLICY)
    assert not breaker.blocks(T0)  # closed: every due send-out may go
    for _ in range(3):
        breaker.failed(T0)
    assert breaker.blocks(T0 + timedelta(seconds=5))  # open: they fail fast
    later = T0 + timedelta(seconds=10)
    assert breaker.blocks(later)  # half-open: only the probe goes (capacity 1)
    assert breaker.capacity(later, 16) == 1
    breaker.started(later)
    breaker.succeeded()
    assert not breaker.blocks(later)


def test_a_reset_after_the_failures_began_closes_it_one_from_before_does_not() -> None:
    breaker = Breaker(POLICY)
    breaker.failed(T0)
    for _ in range(2):
        breaker.failed(T0 + timedelta(seconds=1))
    assert breaker.state(T0 + timedelta(seconds=2)) is BreakerState.OPEN
    # A person acted before the endpoint began failing: the failures came after, it stays.
    assert not breaker.reset(T0 - timedelta(seconds=1))
    assert breaker.state(T0 + timedelta(seconds=2)) is BreakerState.OPEN
    # A person acted once it was failing: closed at once, not after the cool-down.
    assert breaker.reset(T0 + timedelta(seconds=2))
    assert breaker.state(T0 + timedelta(seconds=2)) is BreakerState.CLOSED
    assert breaker.capacity(T0 + timedelta(seconds=2), 16) == 16
    assert breaker.idle
    # The same reset read again later applies no more: the next failures start a new run.
    for _ in range(3):
        breaker.failed(T0 + timedelta(seconds=3))
    assert not breaker.reset(T0 + timedelta(seconds=2))
    assert breaker.state(T0 + timedelta(seconds=3)) is BreakerState.OPEN


def test_a_healthy_breaker_ignores_resets() -> None:
    breaker = Breaker(POLICY)
    assert not breaker.reset(T0)
    assert breaker.idle


def test_a_failed_probe_doubles_the_cooldown_up_to_the_cap() -> None:
    breaker = Breaker(POLICY)
    for _ in range(3):
        breaker.failed(T0)
    now = T0
    for expected in (20, 30, 30):
        now += timedelta(seconds=31)
        breaker.started(now)
        breaker.failed(now)
        assert breaker.capacity(now + timedelta(seconds=expected - 1), 16) == 0
        assert breaker.capacity(now + timedelta(seconds=expected), 16) == 1


def test_a_success_in_between_resets_the_count() -> None:
    breaker = Breaker(POLICY)
    breaker.failed(T0)
    breaker.failed(T0)
    breaker.succeeded()
    breaker.failed(T0)
    breaker.failed(T0)
    assert breaker.state(T0) is BreakerState.CLOSED


def channel(**fields: Any) -> WebhookChannel:
    return WebhookChannel(
        id="ch_1", event_name="e", url="https://example.com", secret="whsec_new", **fields
    )


def test_the_previous_secret_signs_for_24_hours_after_a_rotation() -> None:
    rotated = channel(previous_secret="whsec_old", secret_rotated_at=T0)
    assert rotated.signing_secrets(T0) == ["whsec_new", "whsec_old"]
    assert rotated.signing_secrets(T0 + SECRET_OVERLAP - timedelta(seconds=1)) == [
        "whsec_new",
        "whsec_old",
    ]
    assert rotated.signing_secrets(T0 + SECRET_OVERLAP) == ["whsec_new"]
    assert channel().signing_secrets(T0) == ["whsec_new"]
    assert "secret" not in rotated.as_object()
    assert "whsec_old" not in str(rotated.as_object())


def test_retry_settings_fill_in_from_the_default_ladder() -> None:
    assert parse_retry(None, "retry") is None
    assert parse_retry({"max_retries": 2}, "retry") == RetryPolicy(retries=2)
    short = parse_retry({"initial_delay_seconds": 5, "max_delay_seconds": 60}, "retry")
    assert short == RetryPolicy(first_delay=timedelta(seconds=5), max_delay=timedelta(minutes=1))
    assert parse_retry({"max_retries": 0}, "retry") == RetryPolicy(retries=0)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"max_retries": 21}, "max_retries"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"max_retries": "3"}, "max_retries"),
        ({"initial_delay_seconds": 86401}, "initial_delay_seconds"),
        # Past what timedelta holds: refused, not an OverflowError (a 500).
        ({"initial_delay_seconds": 2**63 - 1}, "initial_delay_seconds"),
        ({"initial_delay_seconds": -(2**63)}, "initial_delay_seconds"),
        ({"max_delay_seconds": 2**63 - 1}, "max_delay_seconds"),
        ({"initial_delay_seconds": 60, "max_delay_seconds": 30}, "max_delay_seconds"),
        ({"backoff": "linear"}, "backoff"),
        ("fast", "retry"),
    ],
)
def test_bad_retry_settings_are_refused_naming_the_field(raw: object, field: str) -> None:
    with pytest.raises(InvalidPayload) as caught:
        parse_retry(raw, "channels[0].retry")
    assert field in str(caught.value.details)
