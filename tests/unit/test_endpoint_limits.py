"""The adaptive limit of attempts in flight to one endpoint (``domain/endpoint_limits.py``)."""

from __future__ import annotations

import pytest

from sendout.domain.endpoint_limits import EndpointLimit, LimitPolicy

POLICY = LimitPolicy(initial=16, minimum=1, maximum=256, fast_ms=250.0)


def used(limit: EndpointLimit, rounds: int, duration_ms: float = 1.0) -> None:
    """``rounds`` rounds of answers with the whole limit in flight each time."""
    for _ in range(rounds):
        for _ in range(limit.limit):
            limit.answered(duration_ms, limit.limit - 1)


def test_a_fast_endpoint_doubles_its_limit_each_round_up_to_the_maximum() -> None:
    limit = EndpointLimit(POLICY)
    assert limit.limit == 16
    used(limit, 1)
    assert limit.limit == 32
    used(limit, 3)
    assert limit.limit == 256
    used(limit, 2)
    assert limit.limit == 256


def test_a_limit_that_is_not_used_does_not_grow() -> None:
    limit = EndpointLimit(POLICY)
    for _ in range(1000):
        limit.answered(1.0, 2)  # 3 of 16 in flight
    assert limit.limit == 16


def test_overload_halves_the_limit_once_per_window() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 2)
    assert limit.limit == 64
    for _ in range(64):  # every answer of the window says "overloaded"
        limit.overloaded()
    assert limit.limit == 32
    limit.overloaded()  # the next window's first signal
    assert limit.limit == 16


def test_overload_never_takes_the_limit_below_the_minimum() -> None:
    limit = EndpointLimit(POLICY)
    for _ in range(500):
        limit.overloaded()
    assert limit.limit == 1
    used(limit, 1)  # and it climbs back once the endpoint answers again
    assert limit.limit == 2


def test_slow_answers_cut_gently_and_fast_ones_never_do() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 1, duration_ms=200.0)  # slow-ish, but within fast_ms: in good time
    assert limit.limit == 32
    limit.answered(5_000.0, 31)
    assert limit.limit == 28  # 32 x 0.9


def test_an_endpoint_slow_by_nature_is_judged_against_its_usual_time() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 1, duration_ms=600.0)  # always 600 ms: its usual time, not a slowdown
    assert limit.limit == 32
    limit.answered(1_500.0, 31)  # 2.5 x its usual time: a sign of load
    assert limit.limit == 28


@pytest.mark.parametrize(("minimum", "initial", "maximum"), [(0, 1, 2), (2, 1, 3), (1, 5, 4)])
def test_a_policy_out_of_order_is_refused(minimum: int, initial: int, maximum: int) -> None:
    with pytest.raises(ValueError, match="minimum <= initial <= maximum"):
        LimitPolicy(initial=initial, minimum=minimum, maximum=maximum)
