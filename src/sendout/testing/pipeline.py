"""In-memory pipeline stores: the dispatcher and the sender without a database.

``InMemoryPipeline`` hands out units of work over the stores the pipeline uses (events,
distributions, project webhooks, send-outs and their deliveries, notifications, provider
configurations), each matching its port in ``domain/ports.py``. A unit of work works on a
copy and writes it back on ``commit``, so one left without committing leaves no trace, as
with SQL. Claims hold nothing between units of work: one process, one task at a time.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sendout.domain.channels import ProviderConfig
from sendout.domain.distributions import PAUSED_DELIVERY_FAILED, Distribution, DistributionStatus
from sendout.domain.events import Event
from sendout.domain.notifications import Notification
from sendout.domain.ports import Attempt, Requeue
from sendout.domain.sendout_lifecycle import requeued
from sendout.domain.sendouts import ClaimState, Sendout, SendoutStatus
from sendout.domain.webhooks import ProjectWebhook


@dataclass
class PipelineData:
    events: list[Event] = field(default_factory=list)
    dispatched: set[int] = field(default_factory=set)  # the seqs of dispatched events
    distributions: dict[str, Distribution] = field(default_factory=dict)
    webhooks: dict[str, ProjectWebhook] = field(default_factory=dict)
    sendouts: dict[str, Sendout] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    integrations: dict[tuple[str, str], ProviderConfig] = field(default_factory=dict)
    #: endpoint URL -> when a person last said "try now" to it
    resets: dict[str, datetime] = field(default_factory=dict)


class _EventStore:
    def __init__(self, data: PipelineData) -> None:
        self.data = data

    async def add(self, event: Event) -> None:
        seq = len(self.data.events) + 1
        self.data.events.append(replace(event, seq=seq))

    async def add_many(self, events: Sequence[Event], dispatched_at: datetime | None) -> None:
        for event in events:
            await self.add(event)
            if dispatched_at is not None:
                self.data.dispatched.add(len(self.data.events))

    def _waiting(self) -> list[Event]:
        return [e for e in self.data.events if e.seq not in self.data.dispatched]

    async def claim_undispatched(self, limit: int) -> Sequence[Event]:
        return self._waiting()[:limit]

    async def backlog(self, cap: int) -> tuple[int | None, int]:
        waiting = self._waiting()
        return (waiting[0].seq if waiting else None), min(len(waiting), cap)

    async def mark_dispatched(self, seqs: Sequence[int], now: datetime) -> int:
        fresh = set(seqs) - self.data.dispatched
        self.data.dispatched |= fresh
        return len(fresh)


class _DistributionStore:
    def __init__(self, data: PipelineData) -> None:
        self.data = data

    async def add(self, distribution: Distribution) -> None:
        self.data.distributions[distribution.id] = distribution

    async def update(self, distribution: Distribution) -> None:
        self.data.distributions[distribution.id] = distribution

    async def get(self, project_id: str, distribution_id: str) -> Distribution | None:
        found = self.data.distributions.get(distribution_id)
        return found if found is not None and found.project_id == project_id else None

    async def active_for(self, project_id: str, event_type: str) -> Sequence[Distribution]:
        """Active ones, and those paused by a delivery failure (their send-outs are held)."""
        return [
            d
            for d in self.data.distributions.values()
            if d.project_id == project_id
            and d.trigger.event == event_type
            and (
                d.status is DistributionStatus.ACTIVE
                or (
                    d.status is DistributionStatus.PAUSED
                    and d.paused_reason == PAUSED_DELIVERY_FAILED
                )
            )
        ]


class _WebhookStore:
    def __init__(self, data: PipelineData) -> None:
        self.data = data

    async def add(self, webhook: ProjectWebhook) -> None:
        self.data.webhooks[webhook.id] = webhook

    async def update(self, webhook: ProjectWebhook) -> None:
        self.data.webhooks[webhook.id] = webhook

    async def get(self, project_id: str, webhook_id: str) -> ProjectWebhook | None:
        found = self.data.webhooks.get(webhook_id)
        return found if found is not None and found.project_id == project_id else None

    async def sending_for(self, project_id: str) -> Sequence[ProjectWebhook]:
        return [
            w
            for w in self.data.webhooks.values()
            if w.project_id == project_id and (w.active or w.holds_sendouts)
        ]


class _SendoutStore:
    def __init__(self, data: PipelineData) -> None:
        self.data = data

    async def add_many(self, sendouts: Sequence[Sendout]) -> None:
        for sendout in sendouts:
            self.data.sendouts[sendout.id] = sendout

    async def get(self, project_id: str, sendout_id: str) -> Sendout | None:
        found = self.data.sendouts.get(sendout_id)
        return found if found is not None and found.project_id == project_id else None


class _DeliveryStore:
    """``DeliveryStore`` as the SQL stores do it: due oldest first, leases with tokens."""

    def __init__(self, data: PipelineData) -> None:
        self.data = data

    def _pending_due(self, now: datetime) -> list[Sendout]:
        return [
            s
            for s in self.data.sendouts.values()
            if s.status is SendoutStatus.PENDING
            and s.next_attempt_at is not None
            and s.next_attempt_at <= now
        ]

    async def due(
        self, now: datetime, limit: int, exclude_urls: Collection[str] = ()
    ) -> Sequence[Sendout]:
        found = [s for s in self._pending_due(now) if s.url not in exclude_urls]
        found.sort(key=lambda s: (s.next_attempt_at or now, s.id))
        return found[:limit]

    async def lease(self, sendout_ids: Collection[str], until: datetime, token: str) -> None:
        for sendout_id in sendout_ids:
            sendout = self.data.sendouts[sendout_id]
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
        for sendout_id in sendout_ids:
            sendout = self.data.sendouts[sendout_id]
            self.data.sendouts[sendout_id] = replace(
                sendout, attempts_count=sendout.attempts_count + 1
            )

    async def update_many(self, sendouts: Sequence[Sendout]) -> None:
        for sendout in sendouts:
            self.data.sendouts[sendout.id] = sendout

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
                lease_token=None,
            )
            urls.append(sendout.url)
        return urls

    async def requeue_one(self, read: Sendout, requeued: Sendout) -> bool:
        current = self.data.sendouts.get(read.id)
        if current is None or (current.status, current.lease_token) != (
            read.status,
            read.lease_token,
        ):
            return False
        self.data.sendouts[read.id] = requeued
        return True

    async def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        self.data.attempts.extend(attempts)

    async def attempts(self, project_id: str, sendout_id: str) -> Sequence[Mapping[str, Any]]:
        return [
            {"started_at": started, "status_code": result.status_code, "error": result.error}
            for sendout, started, result in self.data.attempts
            if sendout.id == sendout_id and sendout.project_id == project_id
        ]


class _EndpointResetStore:
    def __init__(self, data: PipelineData) -> None:
        self.data = data

    async def reset(self, urls: Collection[str], at: datetime, forget_before: datetime) -> None:
        self.data.resets = {u: r for u, r in self.data.resets.items() if r >= forget_before}
        self.data.resets.update(dict.fromkeys(urls, at))

    async def of(self, urls: Collection[str]) -> Mapping[str, datetime]:
        return {url: self.data.resets[url] for url in urls if url in self.data.resets}


class _NotificationStore:
    def __init__(self, data: PipelineData) -> None:
        self.data = data

    async def add_unless_unread(self, notification: Notification) -> bool:
        for other in self.data.notifications:
            if (
                other.read_at is None
                and other.project_id == notification.project_id
                and other.type is notification.type
                and other.resource_id == notification.resource_id
            ):
                return False
        self.data.notifications.append(notification)
        return True


class _IntegrationStore:
    def __init__(self, data: PipelineData) -> None:
        self.data = data

    async def get(self, project_id: str, provider: str) -> ProviderConfig | None:
        return self.data.integrations.get((project_id, provider))


class InMemoryPipelineUnitOfWork:
    def __init__(self, owner: InMemoryPipeline) -> None:
        self._owner = owner

    async def __aenter__(self) -> Self:
        self._working = copy.copy(self._owner.data)
        w = self._working
        w.events, w.dispatched = list(w.events), set(w.dispatched)
        w.distributions, w.webhooks = dict(w.distributions), dict(w.webhooks)
        w.sendouts, w.attempts = dict(w.sendouts), list(w.attempts)
        w.notifications, w.integrations = list(w.notifications), dict(w.integrations)
        w.resets = dict(w.resets)
        self.events = _EventStore(w)
        self.distributions = _DistributionStore(w)
        self.webhooks = _WebhookStore(w)
        self.sendouts = _SendoutStore(w)
        self.deliveries = _DeliveryStore(w)
        self.notifications = _NotificationStore(w)
        self.integrations = _IntegrationStore(w)
        self.endpoint_resets = _EndpointResetStore(w)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        self._owner.data = self._working
        self._owner.commits += 1


class InMemoryPipeline:
    """A unit-of-work factory over the pipeline's stores, and its committed rows (``data``)."""

    def __init__(self) -> None:
        self.data = PipelineData()
        self.commits = 0

    def __call__(self, *, read_only: bool = False) -> InMemoryPipelineUnitOfWork:
        # ``read_only`` is a promise about locks, which an in-memory database has none of.
        return InMemoryPipelineUnitOfWork(self)

    def sendouts(self) -> list[Sendout]:
        """The committed send-outs, oldest first."""
        return sorted(self.data.sendouts.values(), key=lambda s: (s.created_at, s.id))
