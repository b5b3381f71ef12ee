"""A worker's endpoint breakers: opened by an endpoint's failures (not by its answers, nor by
requests refused before sending), forgotten once it recovers, closed by a person's reset."""

from __future__ import annotations

from datetime import timedelta

from sendout.domain.breaker import BreakerPolicy
from sendout.domain.deliveries import SendResult
from sendout.services.context import Context
from sendout.services.pipeline.delivery_breakers import EndpointBreakers
from sendout.services.pipeline.endpoint_resets import try_now
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory
from sendout.testing.transports import DOWN, OK

URL, OTHER = "https://hooks.example.com/a", "https://hooks.example.com/b"
POLICY = BreakerPolicy(threshold=2, cooldown=timedelta(seconds=30))


def tripped(clock: FakeClock) -> EndpointBreakers:
    breakers = EndpointBreakers(POLICY, clock)
    for _ in range(POLICY.threshold):
        breakers.judge(URL, DOWN)
    return breakers


def test_failures_open_an_endpoints_breaker_and_only_its_own(clock: FakeClock) -> None:
    breakers = tripped(clock)
    now = clock.now()
    assert breakers.blocked(URL, now)
    assert not breakers.blocked(OTHER, now)
    assert (breakers.blocking(now), breakers.capacity(OTHER, now, 8)) == (1, 8)
    assert breakers.capacity(URL, now, 8) == 0


def test_an_answer_of_any_status_below_500_is_a_sign_of_life(clock: FakeClock) -> None:
    breakers = EndpointBreakers(POLICY, clock)
    breakers.judge(URL, DOWN)
    breakers.judge(URL, SendResult(status_code=404, duration_ms=1))
    breakers.judge(URL, DOWN)
    assert not breakers.blocked(URL, clock.now())
    breakers.judge(URL, OK)
    assert list(breakers.urls) == []  # recovered: nothing kept


def test_a_request_refused_before_sending_says_nothing_of_the_endpoint(clock: FakeClock) -> None:
    breakers = EndpointBreakers(POLICY, clock)
    refused = SendResult(status_code=None, duration_ms=0, error="target refused", final=True)
    for _ in range(POLICY.threshold + 1):
        breakers.judge(URL, refused)
    assert list(breakers.urls) == []


def test_after_the_cooldown_one_probe_goes_out(clock: FakeClock) -> None:
    breakers = tripped(clock)
    clock.advance(POLICY.cooldown)
    assert breakers.capacity(URL, clock.now(), 8) == 1
    breakers.started(URL, clock.now())
    assert breakers.blocked(URL, clock.now())  # the probe is out


async def test_a_persons_reset_closes_the_breaker(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    breakers = tripped(clock)
    async with uow() as work:
        assert await breakers.close_reset(work, clock.now()) == 0  # nobody said try now
        clock.advance(timedelta(seconds=1))
        await try_now(work, [URL], clock.now())
        assert await breakers.close_reset(work, clock.now()) == 1
    assert not breakers.blocked(URL, clock.now())
