"""Sign-in throttling with an injected clock: lockouts after a few failures, doubling up to a
cap, forgotten after a window, cleared by a success, bounded memory; and the guard that
counts by target and by client address."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from sendout.domain.errors import TooManyRequests, Unauthorized
from sendout.domain.throttle import (
    MAX_KEY_LENGTH,
    TargetKind,
    Throttle,
    ThrottlePolicy,
    client_key,
)
from sendout.services.accounts.sign_in_guard import (
    ADDRESS_THRESHOLD,
    KNOWN_ADDRESSES_PER_TARGET,
    TARGET_THRESHOLD,
    SignInGuard,
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


class TestSignInGuard:
    def test_a_target_is_locked_for_every_address_and_the_address_keeps_its_others(
        self,
    ) -> None:
        clock = FakeClock()
        guard = SignInGuard(clock, lockout=2 * SECOND)
        for number in range(TARGET_THRESHOLD):
            guard.check(TargetKind.ADMIN, "", f"10.0.0.{number}")
            guard.failed(TargetKind.ADMIN, "", f"10.0.0.{number}")
        with pytest.raises(TooManyRequests) as refused:
            guard.check(TargetKind.ADMIN, "", "10.9.9.9")
        assert (refused.value.status, refused.value.key) == (429, "too_many_requests")
        assert refused.value.retry_after == 2
        guard.check(TargetKind.APP, "app-1", "10.0.0.1")  # another target: free
        clock.advance(2 * SECOND)
        guard.check(TargetKind.ADMIN, "", "10.9.9.9")

    def test_a_target_lockout_spares_the_addresses_that_signed_in_to_it(self) -> None:
        # App ids travel in webhook envelopes: whoever saw one must not lock its owners out.
        guard = SignInGuard(FakeClock())
        guard.succeeded(TargetKind.APP, "app-1", "10.0.0.1")
        for _ in range(TARGET_THRESHOLD):
            guard.failed(TargetKind.APP, "app-1", "10.6.6.6")
        guard.check(TargetKind.APP, "app-1", "10.0.0.1", "10.0.0.1")  # its owner: still in
        with pytest.raises(TooManyRequests):
            guard.check(TargetKind.APP, "app-1", "10.0.0.2", "10.0.0.2")  # never signed in
        with pytest.raises(TooManyRequests):
            guard.check(TargetKind.APP, "app-1", "10.6.6.6", "10.6.6.6")

    def test_the_remembered_addresses_are_bounded(self) -> None:
        guard = SignInGuard(FakeClock())
        hosts = [f"10.0.{n // 256}.{n % 256}" for n in range(KNOWN_ADDRESSES_PER_TARGET + 1)]
        for host in hosts:
            guard.succeeded(TargetKind.APP, "app-1", host)
        for _ in range(TARGET_THRESHOLD):
            guard.failed(TargetKind.APP, "app-1", "10.6.6.6")
        with pytest.raises(TooManyRequests):
            guard.check(TargetKind.APP, "app-1", hosts[0], hosts[0])  # the oldest went first
        guard.check(TargetKind.APP, "app-1", hosts[-1], hosts[-1])

    def test_an_address_spraying_targets_is_locked_out_for_all_of_them(self) -> None:
        guard = SignInGuard(FakeClock())
        for number in range(ADDRESS_THRESHOLD):
            guard.failed(TargetKind.APP, f"guess-{number}", "10.0.0.1")
        with pytest.raises(TooManyRequests):
            guard.check(TargetKind.APP, "app-1", "10.0.0.1")
        guard.check(TargetKind.APP, "app-1", "10.0.0.2")

    def test_a_success_clears_the_target_but_not_the_address(self) -> None:
        guard = SignInGuard(FakeClock())
        for _ in range(TARGET_THRESHOLD - 1):
            guard.failed(TargetKind.APP, "app-1", "10.0.0.1")
        with guard.attempt(TargetKind.APP, "app-1", "10.0.0.1"):
            pass
        for number in range(ADDRESS_THRESHOLD - TARGET_THRESHOLD):
            guard.failed(TargetKind.APP, "app-1" if number < 4 else f"x-{number}", "10.0.0.1")
        guard.check(TargetKind.APP, "app-1", "10.0.0.1")  # 4 since the success: not locked
        guard.failed(TargetKind.APP, "app-2", "10.0.0.1")  # the address's 20th
        with pytest.raises(TooManyRequests):
            guard.check(TargetKind.APP, "app-3", "10.0.0.1")

    def test_an_attempt_counts_unauthorized_and_logs_each_lockout_once(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        guard = SignInGuard(FakeClock())
        caplog.set_level(logging.WARNING, logger="sendout.auth")
        for _ in range(TARGET_THRESHOLD):
            with (
                pytest.raises(Unauthorized),
                guard.attempt(TargetKind.APP, "secret-looking-id", "10.0.0.1"),
            ):
                raise Unauthorized
        for _ in range(3):
            with (
                pytest.raises(TooManyRequests),
                guard.attempt(TargetKind.APP, "secret-looking-id", "10.0.0.1"),
            ):
                raise AssertionError("a locked-out attempt never runs")
        assert len(caplog.records) == 1
        message = caplog.records[0].getMessage()
        assert "app id" in message
        assert "10.0.0.1" in message
        assert "secret-looking-id" not in message
