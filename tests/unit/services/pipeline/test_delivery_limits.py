"""Each endpoint's limit of attempts in flight: it starts at the policy's, falls on an
overload signal, and is not moved by requests refused before sending."""

from __future__ import annotations

from sendout.domain.deliveries import SendResult
from sendout.domain.endpoint_limits import LimitPolicy
from sendout.services.pipeline.delivery_limits import EndpointLimits
from sendout.testing.transports import DOWN, OK

URL = "https://hooks.example.com/a"
POLICY = LimitPolicy(initial=16)


def test_an_unknown_endpoint_starts_at_the_initial_limit() -> None:
    assert EndpointLimits(POLICY).limit(URL) == POLICY.initial


def test_an_overload_signal_lowers_the_limit() -> None:
    for signal in (
        DOWN,
        SendResult(status_code=429, duration_ms=1),
        SendResult(status_code=None, duration_ms=1),
    ):
        limits = EndpointLimits(POLICY)
        limits.judge(URL, signal, in_flight=4)
        assert limits.limit(URL) < POLICY.initial


def test_a_refusal_before_sending_leaves_the_limit_alone() -> None:
    limits = EndpointLimits(POLICY)
    refused = SendResult(status_code=None, duration_ms=0, error="refused", final=True)
    limits.judge(URL, refused, in_flight=4)
    assert limits.limit(URL) == POLICY.initial


def test_quick_answers_never_lower_it() -> None:
    limits = EndpointLimits(POLICY)
    for _ in range(20):
        limits.judge(URL, OK, in_flight=limits.limit(URL) - 1)
    assert limits.limit(URL) >= POLICY.initial
