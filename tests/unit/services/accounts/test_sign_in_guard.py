"""The sign-in guard (moved from ``tests/unit/test_throttle.py``, which tests the throttle it
is made of): a target locked for every address, an address for every target, the addresses
that signed in before spared their target's lockout."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from sendout.domain.errors import TooManyRequests, Unauthorized
from sendout.domain.throttle import TargetKind
from sendout.services.accounts.sign_in_guard import (
    ADDRESS_THRESHOLD,
    KNOWN_ADDRESSES_PER_TARGET,
    TARGET_THRESHOLD,
    SignInGuard,
)
from sendout.testing import FakeClock

SECOND = timedelta(seconds=1)


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
