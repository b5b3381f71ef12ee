"""Signatures (checked with the standardwebhooks library) and the retry ladder."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from sendout.domain.retry import RetryPolicy, parse_retry_after
from sendout.domain.signing import signature_headers, voucherify_signature

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef01234567").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"old-secret-old-secret-01").decode()
BODY = b'{"id":"whs_1","data":{"name":"Zo\\u00eb \\"Z\\""}}'
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_voucherify_signature_is_hex_hmac_of_the_exact_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert voucherify_signature(SECRET, BODY) == expected


def test_the_standard_webhooks_library_verifies_our_headers() -> None:
    timestamp = int(datetime.now(UTC).timestamp())
    headers = signature_headers([SECRET], "whs_1", timestamp, BODY)
    assert Webhook(SECRET).verify(BODY, headers) is not None


def test_during_a_rotation_either_secret_verifies() -> None:
    timestamp = int(datetime.now(UTC).timestamp())
    headers = signature_headers([SECRET, OLD_SECRET], "whs_1", timestamp, BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(SECRET).verify(BODY, headers)
    Webhook(OLD_SECRET).verify(BODY, headers)


def test_a_changed_body_does_not_verify() -> None:
    timestamp = int(datetime.now(UTC).timestamp())
    headers = signature_headers([SECRET], "whs_1", timestamp, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY + b" ", headers)


class TestRetries:
    def test_the_ladder_doubles_from_a_minute_to_a_day(self) -> None:
        policy = RetryPolicy(jitter=0)
        delays = [policy.delay(n, random.Random(1)) for n in range(1, 13)]
        assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
        assert delays[-1] == timedelta(hours=24)  # 2^11 minutes would be 34 h: capped
        assert all(a <= b for a, b in itertools.pairwise(delays))

    def test_jitter_stays_within_bounds(self) -> None:
        policy = RetryPolicy()
        rng = random.Random(3)
        for _ in range(200):
            delay = policy.delay(3, rng)
            assert timedelta(minutes=3.6) <= delay <= timedelta(minutes=4.4)

    @pytest.mark.parametrize(
        ("attempts", "code", "retry_after", "expected"),
        [
            (1, 500, None, NOW + timedelta(minutes=1)),  # first retry after a minute
            (12, 500, None, NOW + timedelta(hours=24)),  # the last of the 12
            (13, 500, None, None),  # retries exhausted
            (1, 410, None, None),  # gone: never again
            (1, 429, timedelta(seconds=30), NOW + timedelta(seconds=30)),  # Retry-After wins
            (1, 503, timedelta(days=3), NOW + timedelta(hours=24)),  # but is capped
            (1, 500, timedelta(seconds=30), NOW + timedelta(minutes=1)),  # only on 429/503
            (1, None, None, NOW + timedelta(minutes=1)),  # network error: retried
        ],
    )
    def test_next_attempt(
        self,
        attempts: int,
        code: int | None,
        retry_after: timedelta | None,
        expected: datetime | None,
    ) -> None:
        policy = RetryPolicy(jitter=0)
        assert (
            policy.next_attempt(
                attempts=attempts,
                status_code=code,
                retry_after=retry_after,
                now=NOW,
                rng=random.Random(0),
            )
            == expected
        )

    def test_retry_after_reads_seconds_and_http_dates(self) -> None:
        assert parse_retry_after("120", NOW) == timedelta(seconds=120)
        assert parse_retry_after("Thu, 01 Jan 2026 00:05:00 GMT", NOW) == timedelta(minutes=5)
        assert parse_retry_after("soon", NOW) is None
        assert parse_retry_after(None, NOW) is None
