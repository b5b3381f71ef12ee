"""The ports of the pipeline: events in, the distributions they fire, send-outs out (their
delivery under fenced leases), and where they go (project webhooks, integrations, endpoints)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sendout.domain.activity import ActivityQuery
from sendout.domain.channels import ProviderConfig
from sendout.domain.custom_events import CustomEventSchema
from sendout.domain.deliveries import SendResult
from sendout.domain.distributions import Distribution, DistributionQuery
from sendout.domain.events import Event
from sendout.domain.ports.common import Page
from sendout.domain.sendouts import ClaimState, Sendout, SendoutQuery, SendoutStatus
from sendout.domain.targets import HostLookup
from sendout.domain.webhooks import ProjectWebhook


class EventStore(Protocol):
    async def add(self, event: Event) -> None: ...
    async def add_many(self, events: Sequence[Event], dispatched_at: datetime | None) -> None:
        """Add events in a few statements; ``dispatched_at``: their send-outs are written in
        the same transaction (or nothing listens), so the dispatcher need not look at them."""
        ...

    async def list_for_customer(
        self, project_id: str, customer_id: str, types: frozenset[str], query: ActivityQuery
    ) -> Page[Event]: ...
    async def list_for_card(
        self,
        project_id: str,
        holder_id: str,
        card_id: str,
        types: frozenset[str],
        query: ActivityQuery,
    ) -> Page[Event]:
        """The holder's events of ``types`` about the card (its entity or its ``voucher``)."""
        ...

    async def get(self, project_id: str, event_id: str) -> Event | None: ...
    async def recent(self, project_id: str, event_type: str, limit: int) -> Sequence[Event]:
        """The project's latest events of a type, newest first (the designer's examples)."""
        ...

    async def remove_for_customer(self, project_id: str, customer_id: str) -> int: ...
    async def claim_undispatched(self, limit: int) -> Sequence[Event]:
        """The oldest events not dispatched yet, held until the transaction ends."""
        ...

    async def backlog(self, cap: int) -> tuple[int | None, int]:
        """The oldest undispatched event's ``seq`` (None: none) and how many wait, counted
        up to ``cap``."""
        ...

    async def mark_dispatched(self, seqs: Sequence[int], now: datetime) -> int:
        """Marks those not dispatched yet; answers how many that was."""
        ...


class CustomEventSchemaStore(Protocol):
    async def get_by_name(self, project_id: str, name: str) -> CustomEventSchema | None: ...
    async def add(self, schema: CustomEventSchema) -> None: ...


class DistributionStore(Protocol):
    async def add(self, distribution: Distribution) -> None: ...
    async def update(self, distribution: Distribution) -> None: ...
    async def get(self, project_id: str, distribution_id: str) -> Distribution | None: ...
    async def remove(self, project_id: str, distribution_id: str) -> None: ...
    async def list(self, project_id: str, query: DistributionQuery) -> Page[Distribution]: ...
    async def active_for(self, project_id: str, event_type: str) -> Sequence[Distribution]: ...
    async def next_manual_due(self, now: datetime) -> Distribution | None:
        """A manual distribution of any project whose time has come, held for the caller."""
        ...


class SendoutStore(Protocol):
    async def add_many(self, sendouts: Sequence[Sendout]) -> None: ...
    async def get(self, project_id: str, sendout_id: str) -> Sendout | None: ...
    async def list(self, project_id: str, query: SendoutQuery) -> Page[Sendout]: ...
    async def counts(
        self, project_id: str, distribution_ids: Sequence[str]
    ) -> dict[str, dict[str, int]]:
        """Per distribution: how many of its send-outs are in each status."""
        ...


#: One delivery attempt: the send-out, when it started, what came back.
Attempt = tuple[Sendout, datetime, SendResult]


@dataclass(frozen=True, slots=True, kw_only=True)
class Requeue:
    """Which send-outs to make due again (resend one, recover since a time, resume held)."""

    statuses: frozenset[SendoutStatus]
    sendout_id: str | None = None
    distribution_id: str | None = None
    since: datetime | None = None
    #: only send-outs that went out at least once (a message that was never rendered, e.g.
    #: its action failed, has nothing to send)
    attempted: bool = False
    #: what the send-out's ``reason`` becomes (e.g. ``resent``)
    reason: str | None = None


class DeliveryStore(Protocol):
    async def due(
        self, now: datetime, limit: int, exclude_urls: Collection[str] = ()
    ) -> Sequence[Sendout]:
        """Pending send-outs whose time has come, oldest first, held until the transaction
        ends (skipping rows another worker holds), except those to ``exclude_urls``."""
        ...

    async def lease(self, sendout_ids: Collection[str], until: datetime, token: str) -> None:
        """Claimed under ``token`` (a fencing token) until ``until``."""
        ...

    async def claim_states(self, sendout_ids: Collection[str]) -> Mapping[str, ClaimState]:
        """The send-outs' status, lease token and attempts as stored now, held until the
        transaction ends (the check of a report and its write are one step)."""
        ...

    async def count_attempts(self, sendout_ids: Sequence[str]) -> None:
        """One more attempt each (a stale attempt: nothing else about them changes)."""
        ...

    async def update_many(self, sendouts: Sequence[Sendout]) -> None:
        """Write the send-outs' delivery state (status, reason, attempts, next attempt,
        lease token)."""
        ...

    async def requeue(self, project_id: str, selection: Requeue, now: datetime) -> list[str]:
        """Due now (see ``domain.sendout_lifecycle.requeued``): answers the URL of each send-out
        requeued (one per send-out, so its length is how many)."""
        ...

    async def requeue_one(self, read: Sendout, requeued: Sendout) -> bool:
        """Write ``requeued``'s delivery state if the send-out is still as ``read`` (status
        and lease token): a worker that claimed it meanwhile wins. Answers whether it wrote."""
        ...

    async def add_attempts(self, attempts: Sequence[Attempt]) -> None: ...
    async def attempts(self, project_id: str, sendout_id: str) -> Sequence[Mapping[str, Any]]: ...


class EndpointResetStore(Protocol):
    """When a person last said "try now" to each endpoint
    (``services/pipeline/endpoint_resets.py``)."""

    async def reset(self, urls: Collection[str], at: datetime, forget_before: datetime) -> None:
        """Reset at ``at`` (kept if later than the one stored); resets older than
        ``forget_before`` are dropped."""
        ...

    async def of(self, urls: Collection[str]) -> Mapping[str, datetime]:
        """The latest reset of each of ``urls`` that has one."""
        ...


class WebhookStore(Protocol):
    async def add(self, webhook: ProjectWebhook) -> None: ...
    async def update(self, webhook: ProjectWebhook) -> None: ...
    async def get(self, project_id: str, webhook_id: str) -> ProjectWebhook | None: ...
    async def remove(self, project_id: str, webhook_id: str) -> None: ...
    async def list(self, project_id: str, limit: int, page: int) -> Page[ProjectWebhook]: ...
    async def sending_for(self, project_id: str) -> Sequence[ProjectWebhook]:
        """The project's webhooks that take new messages: active ones, and those disabled
        by a delivery failure (their messages are held)."""
        ...


class IntegrationStore(Protocol):
    async def get(self, project_id: str, provider: str) -> ProviderConfig | None: ...
    async def list(self, project_id: str) -> Sequence[ProviderConfig]: ...
    async def put(self, config: ProviderConfig, now: datetime) -> None: ...
    async def remove(self, project_id: str, provider: str) -> None: ...


class TargetProbe(Protocol):
    async def lookup(self, host: str) -> HostLookup:
        """Resolves a host name once, bounded in time, as the senders would (``localhost``
        names as loopback). Never raises: a failure or a timeout is in the answer."""
        ...
