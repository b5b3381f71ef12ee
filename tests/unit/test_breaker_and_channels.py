"""The endpoint breaker, a channel's retry setting and its signing secrets (domain only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sendout.domain.breaker import Breaker, BreakerPolicy, BreakerState
from sendout.domain.distributions import WebhookChannel, parse_retry
from sendout.domain.errors import InvalidPayload
from sendout.domain.retry import RetryPolicy
from sendout.domain.signing import SECRET_OVERLAP

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


def test_the_queue_is_held_until_the_probe_time_then_for_the_probes_lease() -> None:
    breaker = Breaker(POLICY)
    lease = timedelta(seconds=15)
    assert breaker.hold_until(T0, lease) is None  # closed: nothing held
    for _ in range(3):
        breaker.failed(T0)
    assert breaker.hold_until(T0 + timedelta(seconds=5), lease) == T0 + timedelta(seconds=10)
    later = T0 + timedelta(seconds=10)
    assert breaker.hold_until(later, lease) is None  # half-open: the probe may go now
    breaker.started(later)
    assert breaker.hold_until(later, lease) == later + lease  # the others wait for it
    breaker.succeeded()
    assert breaker.hold_until(later, lease) is None


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
