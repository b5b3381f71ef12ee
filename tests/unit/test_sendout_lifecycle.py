"""The send-out lifecycle (domain/sendout_lifecycle.py): every transition, allowed and forbidden."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sendout.domain.deliveries import SendResult
from sendout.domain.errors import InvalidTransition
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendout_lifecycle import (
    after_attempt,
    cancel,
    claim,
    create,
    deliver,
    fail,
    hold,
    requeue,
    requeued,
    schedule_retry,
)
from sendout.domain.sendouts import (
    RESENDABLE,
    Phase,
    Sendout,
    SendoutStatus,
    SourceKind,
    SourceRef,
    phase,
    sendout_object,
)
from sendout.testing import seeded_rng

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)
LEASE = NOW + timedelta(seconds=15)


def new(**settled: str | None) -> Sendout:
    return create(
        id="whs_1",
        project_id="proj_1",
        source=SourceRef(SourceKind.DISTRIBUTION, "distr_1"),
        channel_id="ch_1",
        channel="joined",
        event_id="evcus_1",
        event_type="customer.custom_event",
        customer_id="cust_1",
        url="https://hooks.example.com/a",
        headers={},
        body=b"{}",
        now=NOW,
        **settled,
    )


def in_flight() -> Sendout:
    return claim(new(), "lease_a", NOW, LEASE)


def retry_scheduled() -> Sendout:
    return schedule_retry(in_flight(), LATER, "HTTP 500", NOW)


#: one send-out in each phase
IN: dict[Phase, Callable[[], Sendout]] = {
    Phase.DUE: new,
    Phase.IN_FLIGHT: in_flight,
    Phase.RETRY_SCHEDULED: retry_scheduled,
    Phase.DELIVERED: lambda: deliver(in_flight(), NOW),
    Phase.FAILED: lambda: fail(in_flight(), "HTTP 500", NOW),
    Phase.HELD: lambda: new(held="distribution_paused"),
    Phase.SKIPPED: lambda: new(skipped="no address"),
    Phase.CANCELED: lambda: cancel(new(), "source_deleted", NOW),
}


def test_each_phase_maps_onto_a_stored_status() -> None:
    stored = {p: (IN[p]().status, phase(IN[p]())) for p in Phase}
    assert stored == {
        Phase.DUE: (SendoutStatus.PENDING, Phase.DUE),
        Phase.IN_FLIGHT: (SendoutStatus.PENDING, Phase.IN_FLIGHT),
        Phase.RETRY_SCHEDULED: (SendoutStatus.PENDING, Phase.RETRY_SCHEDULED),
        Phase.DELIVERED: (SendoutStatus.DELIVERED, Phase.DELIVERED),
        Phase.FAILED: (SendoutStatus.FAILED, Phase.FAILED),
        Phase.HELD: (SendoutStatus.HELD, Phase.HELD),
        Phase.SKIPPED: (SendoutStatus.SKIPPED, Phase.SKIPPED),
        Phase.CANCELED: (SendoutStatus.CANCELED, Phase.CANCELED),
    }


def test_create_picks_the_first_state_failed_then_skipped_then_held_then_due() -> None:
    assert (new().status, new().next_attempt_at, new().reason) == (
        SendoutStatus.PENDING,
        NOW,
        None,
    )
    failed = new(failed="campaign_not_found", skipped="x", held="y")
    assert (failed.status, failed.reason, failed.next_attempt_at) == (
        SendoutStatus.FAILED,
        "campaign_not_found",
        None,
    )
    assert new(skipped="no address", held="y").status is SendoutStatus.SKIPPED
    assert new(held="webhook_disabled").reason == "webhook_disabled"


def test_claim_writes_the_token_and_the_lease_end() -> None:
    claimed = in_flight()
    assert (claimed.lease_token, claimed.next_attempt_at) == ("lease_a", LEASE)
    again = claim(retry_scheduled(), "lease_b", LATER, LATER + timedelta(seconds=15))
    assert phase(again) is Phase.IN_FLIGHT


def test_a_lease_that_ran_out_can_be_taken_over_not_one_still_running() -> None:
    with pytest.raises(InvalidTransition):
        claim(in_flight(), "lease_b", NOW, LEASE)  # its worker still holds it
    taken = claim(in_flight(), "lease_b", LEASE, LEASE + timedelta(seconds=15))
    assert taken.lease_token == "lease_b"
    assert phase(hold(in_flight(), "distribution_paused", LEASE)) is Phase.HELD
    assert phase(cancel(in_flight(), "source_deleted", LEASE)) is Phase.CANCELED
    with pytest.raises(InvalidTransition):
        hold(in_flight(), "distribution_paused", NOW)


def test_the_outcomes_of_an_attempt_count_it_and_clear_the_token() -> None:
    delivered = deliver(in_flight(), NOW)
    assert (delivered.attempts_count, delivered.lease_token, delivered.next_attempt_at) == (
        1,
        None,
        None,
    )
    retry = retry_scheduled()
    assert (retry.status, retry.attempts_count, retry.next_attempt_at, retry.reason) == (
        SendoutStatus.PENDING,
        1,
        LATER,
        "HTTP 500",
    )
    assert retry.lease_token is None
    failed = fail(in_flight(), "HTTP 500", NOW)
    assert (failed.attempts_count, failed.lease_token, failed.reason) == (1, None, "HTTP 500")


@pytest.mark.parametrize(
    ("transition", "allowed"),
    [
        (lambda s: claim(s, "lease_x", NOW, LEASE), {Phase.DUE, Phase.RETRY_SCHEDULED}),
        (lambda s: deliver(s, NOW), {Phase.IN_FLIGHT}),
        (lambda s: schedule_retry(s, LATER, "HTTP 500", NOW), {Phase.IN_FLIGHT}),
        (lambda s: fail(s, "HTTP 500", NOW), {Phase.IN_FLIGHT}),
        (lambda s: hold(s, "distribution_paused", NOW), {Phase.DUE, Phase.RETRY_SCHEDULED}),
        (
            lambda s: cancel(s, "source_deleted", NOW),
            {Phase.DUE, Phase.RETRY_SCHEDULED, Phase.HELD},
        ),
        (
            lambda s: requeue(s, "resent", NOW),
            {
                Phase.DUE,
                Phase.RETRY_SCHEDULED,
                Phase.DELIVERED,
                Phase.FAILED,
                Phase.HELD,
                Phase.CANCELED,
            },
        ),
    ],
    ids=["claim", "deliver", "schedule_retry", "fail", "hold", "cancel", "requeue"],
)
def test_every_transition_is_refused_from_every_other_phase(
    transition: Callable[[Sendout], Sendout], allowed: set[Phase]
) -> None:
    for start, make in IN.items():
        if start in allowed:
            transition(make())
        else:
            with pytest.raises(InvalidTransition):
                transition(make())


def test_requeue_makes_it_due_now_clearing_any_token() -> None:
    stale = replace(fail(in_flight(), "HTTP 500", NOW), lease_token="lease_old")
    again = requeue(stale, "recovered", LATER)
    assert (again.status, again.reason, again.next_attempt_at, again.lease_token) == (
        SendoutStatus.PENDING,
        "recovered",
        LATER,
        None,
    )


def test_requeue_of_a_send_out_waiting_for_its_retry_makes_it_due_now() -> None:
    waiting = retry_scheduled()
    assert waiting.next_attempt_at == LATER
    again = requeue(waiting, "resent", NOW)
    assert (again.status, again.next_attempt_at, again.attempts_count, again.lease_token) == (
        SendoutStatus.PENDING,
        NOW,
        waiting.attempts_count,
        None,
    )
    assert phase(again) is Phase.RETRY_SCHEDULED  # attempted before, due now


def test_requeue_past_a_dead_workers_lease_takes_its_token_away() -> None:
    again = requeue(in_flight(), "resent", LEASE)
    assert (again.next_attempt_at, again.lease_token) == (LEASE, None)


def test_requeue_refuses_with_the_apis_keys() -> None:
    with pytest.raises(InvalidTransition) as pending:
        requeue(in_flight(), "resent", LEASE - timedelta(milliseconds=1))
    assert pending.value.key == "sendout_pending"
    never_rendered = replace(new(failed="campaign_not_found"), body=b"")
    with pytest.raises(InvalidTransition) as nothing:
        requeue(never_rendered, "resent", NOW)
    assert nothing.value.key == "sendout_not_resendable"


def test_bulk_requeue_only_from_settled_statuses() -> None:
    change = requeued(RESENDABLE, "resent", NOW)
    assert (change.status, change.next_attempt_at, change.from_statuses) == (
        SendoutStatus.PENDING,
        NOW,
        RESENDABLE,
    )
    for unsettled in (SendoutStatus.PENDING, SendoutStatus.SKIPPED):
        with pytest.raises(InvalidTransition):
            requeued({SendoutStatus.FAILED, unsettled}, None, NOW)


def test_after_attempt_follows_the_ladder_from_the_stored_attempts() -> None:
    rng = seeded_rng()
    policy = RetryPolicy(retries=2, first_delay=timedelta(seconds=10), jitter=0)
    ok = SendResult(status_code=204, duration_ms=1)
    down = SendResult(status_code=503, duration_ms=1)
    assert after_attempt(in_flight(), ok, policy, NOW, rng).status is SendoutStatus.DELIVERED
    first = after_attempt(in_flight(), down, policy, NOW, rng)
    assert (first.attempts_count, first.next_attempt_at) == (1, NOW + timedelta(seconds=10))
    # Two attempts stored already (one of them a stale worker's): the ladder is spent.
    spent = replace(in_flight(), attempts_count=2)
    last = after_attempt(spent, down, policy, NOW, rng)
    assert (last.status, last.attempts_count, last.reason) == (
        SendoutStatus.FAILED,
        3,
        "HTTP 503",
    )
    refused = SendResult(status_code=None, duration_ms=0, error="target refused", final=True)
    assert after_attempt(in_flight(), refused, policy, NOW, rng).reason == "target refused"


def test_the_api_shows_the_source_as_before() -> None:
    webhook = replace(new(), source=SourceRef(SourceKind.WEBHOOK, "wh_1"))
    shown = sendout_object(webhook)
    assert shown["distribution_id"] == "wh_1"
    assert shown["source"] == {"id": "wh_1", "object": "webhook"}
    assert sendout_object(new())["source"] == {"id": "distr_1", "object": "distribution"}
