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


def test_answers_within_fast_ms_always_count_as_fast() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 2, duration_ms=1.0)
    used(limit, 1, duration_ms=240.0)  # 240 x slower than usual, but within fast_ms
    assert limit.limit == 128


def test_an_endpoint_slow_by_nature_is_judged_against_its_usual_time() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 1, duration_ms=600.0)  # always 600 ms: its usual time, not a slowdown
    assert limit.limit == 16
    limit.answered(1_500.0, 15)  # 2.5 x its usual time: a sign of load, cut gently
    assert limit.limit == 14  # 16 x 0.9


@pytest.mark.parametrize(("minimum", "initial", "maximum"), [(0, 1, 2), (2, 1, 3), (1, 5, 4)])
def test_a_policy_out_of_order_is_refused(minimum: int, initial: int, maximum: int) -> None:
    with pytest.raises(ValueError, match="minimum <= initial <= maximum"):
        LimitPolicy(initial=initial, minimum=minimum, maximum=maximum)


def test_a_slow_endpoint_never_holds_more_than_the_starting_limit() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 10, duration_ms=2_000.0)  # always 2 s: in its usual time, yet slow
    assert limit.limit == 16


def test_a_fast_endpoint_turned_slow_falls_back_to_its_starting_share_at_once() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 3)
    assert limit.limit == 128
    limit.answered(3_000.0, 127)
    assert limit.limit == 64
    for _ in range(128):  # the rest of the window cuts nothing more; its end does
        limit.answered(3_000.0, 63)
    assert limit.limit == 32
    for _ in range(64):
        limit.answered(3_000.0, 31)
    assert limit.limit == 16  # no lower than the start: it is still answering


def test_after_a_cut_the_limit_grows_by_one_per_round_past_where_it_was_cut_to() -> None:
    limit = EndpointLimit(POLICY)
    used(limit, 2)
    assert limit.limit == 64
    limit.overloaded()  # e.g. connections dropped at the doubling to 64
    assert limit.limit == 32
    used(limit, 1)
    assert limit.limit == 33  # not 64 again: one more per round
    used(limit, 3)
    assert limit.limit == 36
    assert not limit.settled  # what it learned is kept


def test_a_limit_cut_below_its_start_doubles_back_to_where_it_was_cut_to_only() -> None:
    limit = EndpointLimit(POLICY)
    for _ in range(16):
        limit.overloaded()  # one window of failures: 16 -> 8
    assert limit.limit == 8
    used(limit, 1)
    assert limit.limit == 9  # at the cut point already: growth is additive from here
