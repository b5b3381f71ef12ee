"""Sign-in throttling with an injected clock: lockouts after a few failures, doubling up to a
cap, forgotten after a window, cleared by a success, bounded memory; and the guard that
counts by target and by client address (``services/accounts/test_sign_in_guard.py``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.throttle import (
    MAX_KEY_LENGTH,
    Throttle,
    ThrottlePolicy,
    client_key,
)
from sendout.testing import FakeClock

SECOND = timedelta(seconds=1)
POLICY = ThrottlePolicy(
    threshold=3, lockout=SECOND, max_lockout=8 * SECOND, window=60 * SECOND, max_entries=4
)


def fail(throttle: Throttle, clock: FakeClock, key: str, times: int) -> list[timedelta | None]:
    return [throttle.failed(key, clock.now()) for _ in range(times)]


class TestThrottle:
    def test_a_few_failures_then_a_lockout_that_doubles_up_to_the_cap(self) -> None:
        throttle, clock = Throttle(POLICY), FakeClock()
        assert fail(throttle, clock, "k", 2) == [None, None]
        assert not throttle.locking
        assert throttle.retry_after("k", clock.now()) is None
        lockouts = []
        for _ in range(6):
            lockouts.append(throttle.failed("k", clock.now()))
            assert throttle.retry_after("k", clock.now()) == lockouts[-1]
            assert lockouts[-1] is not None
            clock.advance(lockouts[-1])
            assert throttle.retry_after("k", clock.now()) is None
        assert lockouts == [s * SECOND for s in (1, 2, 4, 8, 8, 8)]

    def test_the_lockout_counts_down_and_other_keys_are_free(self) -> None:
        throttle, clock = Throttle(POLICY), FakeClock()
        fail(throttle, clock, "k", 3)
        clock.advance(timedelta(milliseconds=400))
        assert throttle.retry_after("k", clock.now()) == timedelta(milliseconds=600)
        assert throttle.retry_after("other", clock.now()) is None
        clock.advance(timedelta(milliseconds=600))
        assert throttle.retry_after("k", clock.now()) is None
        # Every lockout over: the cheap test says so again.
        assert not throttle.locking

    def test_failures_are_forgotten_a_window_after_the_last(self) -> None:
        throttle, clock = Throttle(POLICY), FakeClock()
        fail(throttle, clock, "k", 2)
        clock.advance(59 * SECOND)
        assert throttle.failed("k", clock.now()) == SECOND  # the third within the window
        clock.advance(SECOND + 60 * SECOND)  # the lockout, then the window after it
        assert fail(throttle, clock, "k", 3) == [None, None, SECOND]

    def test_a_success_clears_the_count(self) -> None:
        throttle, clock = Throttle(POLICY), FakeClock()
        fail(throttle, clock, "k", 2)
        throttle.succeeded("k")
        assert not throttle.counting
        assert fail(throttle, clock, "k", 2) == [None, None]

    def test_memory_is_bounded_and_the_oldest_key_goes_first(self) -> None:
        throttle, clock = Throttle(POLICY), FakeClock()
        fail(throttle, clock, "locked", 3)
        for number in range(10):
            clock.advance(timedelta(milliseconds=1))
            throttle.failed(f"spray-{number}", clock.now())
            assert len(throttle) <= POLICY.max_entries
        assert throttle.retry_after("locked", clock.now()) is None  # evicted, oldest
        assert len(throttle) == POLICY.max_entries

    def test_a_huge_key_is_kept_cut(self) -> None:
        throttle, clock = Throttle(POLICY), FakeClock()
        huge = "x" * 100_000
        fail(throttle, clock, huge, 3)
        assert throttle.retry_after(huge, clock.now()) == SECOND
        assert throttle.retry_after(huge[:MAX_KEY_LENGTH], clock.now()) == SECOND

    @pytest.mark.parametrize(
        ("host", "key"),
        [
            ("203.0.113.7", "203.0.113.7"),
            ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
            (None, "unknown"),
            ("testclient", "testclient"),
        ],
    )
    def test_client_addresses_are_counted_ipv6_by_its_64(self, host: str | None, key: str) -> None:
        assert client_key(host) == key
