"""In-memory stores of the send-outs: the log the API reads, what the sender needs (due
send-outs under a fenced lease, their outcomes, their attempts) and the endpoints' resets.
Each matches its port in ``domain/ports.py`` and its SQL store in
``adapters/db/sendout_stores.py`` and ``endpoint_reset_stores.py``. Claims hold nothing
between units of work (one task at a time): a lease is its token and its time."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sendout.domain.errors import Conflict
from sendout.domain.ports import Attempt, Page, Requeue
from sendout.domain.sendout_lifecycle import requeued
from sendout.domain.sendouts import ClaimState, Sendout, SendoutQuery, SendoutStatus
from sendout.testing.rows import insert_new, owned_by, paged


@dataclass
class SendoutTables:
    sendouts: dict[str, Sendout] = field(default_factory=dict)
    #: in the order they were recorded
    attempts: list[Attempt] = field(default_factory=list)
    #: endpoint URL -> when a person last said "try now" to it
    resets: dict[str, datetime] = field(default_factory=dict)


class InMemorySendoutStore:
    def __init__(self, data: SendoutTables) -> None:
        self.data = data

    async def add_many(self, sendouts: Sequence[Sendout]) -> None:
        # One send-out per (event, source, channel), whatever re-dispatches.
        taken = {(s.event_id, s.source.id, s.channel_id) for s in self.data.sendouts.values()}
        for sendout in sendouts:
            key = (sendout.event_id, sendout.source.id, sendout.channel_id)
            if key in taken:
                raise Conflict(details="Duplicate key in sendouts")
            taken.add(key)
            insert_new(self.data.sendouts, sendout.id, sendout, "sendouts")

    async def get(self, project_id: str, sendout_id: str) -> Sendout | None:
        return owned_by(self.data.sendouts, project_id, sendout_id)

    async def list(self, project_id: str, query: SendoutQuery) -> Page[Sendout]:
        found = [
            s
            for s in self.data.sendouts.values()
            if s.project_id == project_id
            and query.distribution_id in (None, s.source.id)
            and (query.status is None or s.status is query.status)
            and query.customer_id in (None, s.customer_id)
            and query.event_type in (None, s.event_type)
            and (query.created_after is None or s.created_at >= query.created_after)
            and (query.created_before is None or s.created_at < query.created_before)
        ]
        found.sort(key=lambda s: (s.created_at, s.id), reverse=True)
        return paged(found, query.limit, query.page)

    async def counts(
        self, project_id: str, distribution_ids: Sequence[str]
    ) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {d: {} for d in distribution_ids}
        for s in self.data.sendouts.values():
            if s.project_id == project_id and s.source.id in found:
                per_status = found[s.source.id]
                per_status[s.status.value] = per_status.get(s.status.value, 0) + 1
        return found


class InMemoryDeliveryStore:
    """``DeliveryStore`` as the SQL stores do it: due oldest first, leases with tokens."""

    def __init__(self, data: SendoutTables) -> None:
        self.data = data

    async def due(
        self, now: datetime, limit: int, exclude_urls: Collection[str] = ()
    ) -> Sequence[Sendout]:
        found = [
            s
            for s in self.data.sendouts.values()
            if s.status is SendoutStatus.PENDING
            and s.next_attempt_at is not None
            and s.next_attempt_at <= now
            and s.url not in exclude_urls
        ]
        found.sort(key=lambda s: (s.next_attempt_at or now, s.id))
        return found[:limit]

    async def lease(self, sendout_ids: Collection[str], until: datetime, token: str) -> None:
        for sendout_id in sendout_ids:
            sendout = self.data.sendouts.get(sendout_id)
            if sendout is not None:
                self.data.sendouts[sendout_id] = replace(
                    sendout, next_attempt_at=until, lease_token=token
                )

    async def claim_states(self, sendout_ids: Collection[str]) -> Mapping[str, ClaimState]:
        return {
            s.id: ClaimState(s.status, s.lease_token, s.attempts_count)
            for s in (self.data.sendouts.get(i) for i in sendout_ids)
            if s is not None
        }

    async def count_attempts(self, sendout_ids: Sequence[str]) -> None:
        for sendout_id in sendout_ids:  # one id twice: two stale attempts
            sendout = self.data.sendouts.get(sendout_id)
            if sendout is not None:
                self.data.sendouts[sendout_id] = replace(
                    sendout, attempts_count=sendout.attempts_count + 1
                )

    async def update_many(self, sendouts: Sequence[Sendout]) -> None:
        for sendout in sendouts:
            stored = self.data.sendouts.get(sendout.id)
            if stored is not None:
                self.data.sendouts[sendout.id] = _delivery_state(
                    stored, sendout, attempts_count=sendout.attempts_count
                )

    async def requeue(self, project_id: str, selection: Requeue, now: datetime) -> list[str]:
        change = requeued(selection.statuses, selection.reason, now)
        urls: list[str] = []
        for sendout in list(self.data.sendouts.values()):
            if (
                sendout.project_id != project_id
                or sendout.status not in change.from_statuses
                or selection.sendout_id not in (None, sendout.id)
                or selection.distribution_id not in (None, sendout.source.id)
                or (selection.since is not None and sendout.created_at < selection.since)
                or (selection.attempted and not sendout.attempts_count)
            ):
                continue
            self.data.sendouts[sendout.id] = replace(
                sendout,
                status=change.status,
                reason=change.reason,
                next_attempt_at=change.next_attempt_at,
                updated_at=change.updated_at,
                lease_token=None,  # a person acted: an attempt still out reports too late
            )
            urls.append(sendout.url)
        return urls

    async def requeue_one(self, read: Sendout, requeued: Sendout) -> bool:
        current = self.data.sendouts.get(read.id)
        if current is None or (current.status, current.lease_token) != (
            read.status,
            read.lease_token,
        ):
            return False  # a worker claimed it meanwhile: it wins
        self.data.sendouts[read.id] = _delivery_state(
            current, requeued, attempts_count=current.attempts_count
        )
        return True

    async def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        self.data.attempts.extend(attempts)

    async def attempts(self, project_id: str, sendout_id: str) -> Sequence[Mapping[str, Any]]:
        return [
            {
                "started_at": started,
                "duration_ms": result.duration_ms,
                "status_code": result.status_code,
                "response_headers": dict(result.response_headers),
                "response_excerpt": result.response_excerpt,
                "error": result.error,
            }
            for sendout, started, result in self.data.attempts
            if sendout.id == sendout_id and sendout.project_id == project_id
        ]


def _delivery_state(stored: Sendout, changed: Sendout, *, attempts_count: int) -> Sendout:
    """``stored`` with ``changed``'s delivery state: as the SQL UPDATEs, nothing else of the
    row changes (its body, headers and source are written once)."""
    return replace(
        stored,
        status=changed.status,
        reason=changed.reason,
        attempts_count=attempts_count,
        next_attempt_at=changed.next_attempt_at,
        updated_at=changed.updated_at,
        lease_token=changed.lease_token,
    )


class InMemoryEndpointResetStore:
    def __init__(self, data: SendoutTables) -> None:
        self.data = data

    async def reset(self, urls: Collection[str], at: datetime, forget_before: datetime) -> None:
        if not urls:
            return
        self.data.resets = {u: r for u, r in self.data.resets.items() if r >= forget_before}
        for url in urls:  # only ever later: of two people acting at once, the later wins
            stored = self.data.resets.get(url)
            if stored is None or at > stored:
                self.data.resets[url] = at

    async def of(self, urls: Collection[str]) -> Mapping[str, datetime]:
        return {url: self.data.resets[url] for url in urls if url in self.data.resets}
