"""The life of a send-out (``sendouts.py``): every change of its state goes through one of
the transitions below (services and stores never write a status of their own); any other
move raises ``InvalidTransition``.

    create          -> due, held (source paused), skipped (nothing to send) or failed
                       (the action could not run)
    claim           due, retry scheduled, or in flight past its lease -> in flight
    deliver         in flight -> delivered
    schedule_retry  in flight -> retry scheduled
    fail            in flight -> failed (retries ran out: the source is then paused)
    hold            due, retry scheduled (or in flight past its lease) -> held
    cancel          due, retry scheduled, held (or in flight past its lease) -> canceled
    requeue         held, failed, delivered, canceled -> due (a person: resend, recover,
                    set live); one send-out (resend) also from due, retry scheduled or in
                    flight past its lease

The stored status is coarser than the phase: PENDING is due, in flight (a worker holds its
lease token) or retry scheduled (attempted before). A lease token is written by each claim
and cleared by every other transition: a worker's report of an attempt counts only while the
send-out still carries the token of that worker's claim (see ``services/pipeline/deliver.py``).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sendout.domain.deliveries import SendResult
from sendout.domain.errors import InvalidTransition
from sendout.domain.retry import RetryPolicy, parse_retry_after
from sendout.domain.sendouts import (
    RESENDABLE,
    Phase,
    Sendout,
    SendoutStatus,
    SourceRef,
    in_flight,
    phase,
)


def _require(sendout: Sendout, allowed: Collection[Phase], action: str) -> None:
    now_in = phase(sendout)
    if now_in not in allowed:
        raise InvalidTransition(details=f"{action}: send-out {sendout.id} is {now_in.value}")


def _require_waiting(sendout: Sendout, now: datetime, action: str) -> None:
    """Due or retry scheduled, or in flight under a lease that ran out."""
    if phase(sendout) is Phase.IN_FLIGHT and not in_flight(sendout, now):
        return
    _require(sendout, (Phase.DUE, Phase.RETRY_SCHEDULED), action)


def create(
    *,
    id: str,
    project_id: str,
    source: SourceRef,
    channel_id: str,
    channel: str,
    event_id: str,
    event_type: str | None,
    customer_id: str | None,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    failed: str | None = None,
    skipped: str | None = None,
    held: str | None = None,
) -> Sendout:
    """A new send-out: failed when its action could not run (or its message was refused),
    skipped when there is nothing to send, held while its source is paused, else due now."""
    status, reason = (
        (SendoutStatus.FAILED, failed)
        if failed
        else (SendoutStatus.SKIPPED, skipped)
        if skipped
        else (SendoutStatus.HELD, held)
        if held
        else (SendoutStatus.PENDING, None)
    )
    return Sendout(
        id=id,
        project_id=project_id,
        source=source,
        channel_id=channel_id,
        channel=channel,
        event_id=event_id,
        event_type=event_type,
        customer_id=customer_id,
        status=status,
        url=url,
        headers=headers,
        body=body,
        reason=reason,
        next_attempt_at=now if status is SendoutStatus.PENDING else None,
        created_at=now,
    )


_SENDOUT_FIELDS = tuple(f.name for f in fields(Sendout))
_set = object.__setattr__


def _changed(sendout: Sendout, **changes: Any) -> Sendout:
    """``dataclasses.replace`` without its generic work (it looks up the fields, builds the
    keyword arguments and runs the frozen ``__init__`` anew): about half the cost, and every
    send-out goes through two of these. Only for the transitions below, whose ``changes``
    name existing fields (checked, so a typo fails as ``replace`` would)."""
    if not changes.keys() <= _FIELD_SET:
        raise TypeError(f"not fields of Sendout: {sorted(changes.keys() - _FIELD_SET)}")
    new = object.__new__(Sendout)
    for name in _SENDOUT_FIELDS:
        _set(new, name, changes[name] if name in changes else getattr(sendout, name))
    return new


_FIELD_SET = frozenset(_SENDOUT_FIELDS)


def claim(sendout: Sendout, token: str, now: datetime, until: datetime) -> Sendout:
    """Taken by a worker under ``token`` until ``until`` (then due again, if not reported)."""
    _require_waiting(sendout, now, "claim")
    return _changed(sendout, lease_token=token, next_attempt_at=until)


def _attempted(sendout: Sendout, now: datetime, **outcome: Any) -> Sendout:
    """After an attempt under this worker's claim: counted, the claim released, ``outcome``
    (status, next attempt, reason) applied."""
    return _changed(
        sendout,
        attempts_count=sendout.attempts_count + 1,
        updated_at=now,
        lease_token=None,
        **outcome,
    )


def deliver(sendout: Sendout, now: datetime) -> Sendout:
    _require(sendout, (Phase.IN_FLIGHT,), "deliver")
    return _attempted(
        sendout, now, status=SendoutStatus.DELIVERED, next_attempt_at=None, reason=None
    )


def schedule_retry(sendout: Sendout, at: datetime, reason: str, now: datetime) -> Sendout:
    _require(sendout, (Phase.IN_FLIGHT,), "schedule a retry")
    return _attempted(sendout, now, next_attempt_at=at, reason=reason)


def fail(sendout: Sendout, reason: str, now: datetime) -> Sendout:
    """The last attempt failed and no retry is left (the source is then paused)."""
    _require(sendout, (Phase.IN_FLIGHT,), "fail")
    return _attempted(
        sendout, now, status=SendoutStatus.FAILED, next_attempt_at=None, reason=reason
    )


def hold(sendout: Sendout, reason: str, now: datetime) -> Sendout:
    """Its source is paused (or disabled): it waits until the source is set live."""
    _require_waiting(sendout, now, "hold")
    return _changed(
        sendout,
        status=SendoutStatus.HELD,
        next_attempt_at=None,
        reason=reason,
        updated_at=now,
        lease_token=None,
    )


def cancel(sendout: Sendout, reason: str, now: datetime) -> Sendout:
    """Its source or channel is gone: it will never go out."""
    if phase(sendout) is not Phase.HELD:
        _require_waiting(sendout, now, "cancel")
    return _changed(
        sendout,
        status=SendoutStatus.CANCELED,
        next_attempt_at=None,
        reason=reason,
        updated_at=now,
        lease_token=None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Requeued:
    """What ``requeue`` makes of every send-out it applies to (stores apply it in bulk, to
    the rows in ``from_statuses``, clearing any lease token)."""

    from_statuses: frozenset[SendoutStatus]
    status: SendoutStatus
    reason: str | None
    next_attempt_at: datetime
    updated_at: datetime


def requeued(
    from_statuses: Collection[SendoutStatus], reason: str | None, now: datetime
) -> Requeued:
    """A person says "try now" (resend, recover, set live): due at once. Only settled
    send-outs (``RESENDABLE``) may be requeued; an attempt in flight may not."""
    wanted = frozenset(from_statuses)
    if not wanted <= RESENDABLE:
        refused = ", ".join(sorted(s.value for s in wanted - RESENDABLE))
        raise InvalidTransition(details=f"requeue: not from {refused}")
    return Requeued(
        from_statuses=wanted,
        status=SendoutStatus.PENDING,
        reason=reason,
        next_attempt_at=now,
        updated_at=now,
    )


def requeue(sendout: Sendout, reason: str | None, now: datetime) -> Sendout:
    """One send-out sent again now (its bytes as they were): a settled one, or one waiting
    for its next attempt (a retry can be hours away). Refused only while an attempt is in
    flight, and when it has nothing to send."""
    if in_flight(sendout, now):
        raise InvalidTransition(
            details="status: an attempt of this send-out is in flight",
            key="sendout_pending",
        )
    if sendout.status is not SendoutStatus.PENDING and (
        sendout.status not in RESENDABLE or not sendout.body
    ):
        raise InvalidTransition(
            details=f"status: nothing to resend ({sendout.reason or sendout.status.value})",
            key="sendout_not_resendable",
        )
    return _changed(
        sendout,
        status=SendoutStatus.PENDING,
        reason=reason,
        next_attempt_at=now,
        updated_at=now,
        lease_token=None,
    )


def after_attempt(
    sendout: Sendout,
    result: SendResult,
    policy: RetryPolicy,
    now: datetime,
    rng: random.Random,
) -> Sendout:
    """The send-out once an attempt's result is in: delivered, a retry scheduled on the
    channel's ladder (counted from the attempts made so far, this one included), or
    failed. ``sendout`` must be in flight and carry the stored ``attempts_count``."""
    if result.delivered:
        return deliver(sendout, now)
    reason = failure_reason(result)
    next_at = (
        None
        if result.final
        else policy.next_attempt(
            attempts=sendout.attempts_count + 1,
            status_code=result.status_code,
            retry_after=parse_retry_after(result.header("Retry-After"), now),
            now=now,
            rng=rng,
        )
    )
    if next_at is None:
        return fail(sendout, reason, now)
    return schedule_retry(sendout, next_at, reason, now)


def failure_reason(result: SendResult) -> str:
    """Why an attempt failed, for the send-out log: the status and what the platform said."""
    if result.status_code is None:
        return result.error or "failed"
    said = f": {result.error}" if result.error else ""
    return f"HTTP {result.status_code}{said}"
