"""In-memory stores of the pipeline's configuration: distributions, project webhooks,
provider configurations (integrations) and the async actions the worker runs. Each matches
its port in ``domain/ports/`` and its SQL store in ``adapters/db/``; the send-outs' own
stores are in ``testing/sendouts.py``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.channels import ProviderConfig
from sendout.domain.distributions import (
    PAUSED_DELIVERY_FAILED,
    Distribution,
    DistributionQuery,
    DistributionStatus,
)
from sendout.domain.event_catalogue import MANUAL
from sendout.domain.ports import Page
from sendout.domain.webhooks import DISABLED_DELIVERY_FAILED, ProjectWebhook
from sendout.testing.rows import insert_new, owned_by, paged


@dataclass
class PipelineTables:
    distributions: dict[str, Distribution] = field(default_factory=dict)
    webhooks: dict[str, ProjectWebhook] = field(default_factory=dict)
    #: (project id, provider) -> configuration
    integrations: dict[tuple[str, str], ProviderConfig] = field(default_factory=dict)
    async_actions: dict[str, AsyncAction] = field(default_factory=dict)


class InMemoryDistributionStore:
    def __init__(self, data: PipelineTables) -> None:
        self.data = data

    async def add(self, distribution: Distribution) -> None:
        insert_new(self.data.distributions, distribution.id, distribution, "distributions")

    async def update(self, distribution: Distribution) -> None:
        if await self.get(distribution.project_id, distribution.id) is not None:
            self.data.distributions[distribution.id] = distribution

    async def get(self, project_id: str, distribution_id: str) -> Distribution | None:
        return owned_by(self.data.distributions, project_id, distribution_id)

    async def remove(self, project_id: str, distribution_id: str) -> None:
        if await self.get(project_id, distribution_id) is not None:
            del self.data.distributions[distribution_id]

    async def list(self, project_id: str, query: DistributionQuery) -> Page[Distribution]:
        found = [
            d
            for d in self.data.distributions.values()
            if d.project_id == project_id
            and (query.status is None or d.status is query.status)
            and (query.trigger_event is None or d.trigger.event == query.trigger_event)
        ]
        found.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return paged(found, query.limit, query.page)

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

    async def next_manual_due(self, now: datetime) -> Distribution | None:
        due = [
            d
            for d in self.data.distributions.values()
            if d.trigger.event == MANUAL
            and d.status is DistributionStatus.TO_SEND
            and (d.manual is None or d.manual.set_live_at is None or d.manual.set_live_at <= now)
        ]
        return min(due, key=lambda d: d.created_at, default=None)


class InMemoryWebhookStore:
    def __init__(self, data: PipelineTables) -> None:
        self.data = data

    async def add(self, webhook: ProjectWebhook) -> None:
        insert_new(self.data.webhooks, webhook.id, webhook, "webhooks")

    async def update(self, webhook: ProjectWebhook) -> None:
        if webhook.id in self.data.webhooks:
            self.data.webhooks[webhook.id] = webhook

    async def get(self, project_id: str, webhook_id: str) -> ProjectWebhook | None:
        return owned_by(self.data.webhooks, project_id, webhook_id)

    async def remove(self, project_id: str, webhook_id: str) -> None:
        if await self.get(project_id, webhook_id) is not None:
            del self.data.webhooks[webhook_id]

    async def list(self, project_id: str, limit: int, page: int) -> Page[ProjectWebhook]:
        found = [w for w in self.data.webhooks.values() if w.project_id == project_id]
        found.sort(key=lambda w: (w.created_at, w.id), reverse=True)
        return paged(found, limit, page)

    async def sending_for(self, project_id: str) -> Sequence[ProjectWebhook]:
        return [
            w
            for w in self.data.webhooks.values()
            if w.project_id == project_id
            and (w.active or w.disabled_reason == DISABLED_DELIVERY_FAILED)
        ]


class InMemoryIntegrationStore:
    def __init__(self, data: PipelineTables) -> None:
        self.data = data

    async def get(self, project_id: str, provider: str) -> ProviderConfig | None:
        return self.data.integrations.get((project_id, provider))

    async def list(self, project_id: str) -> Sequence[ProviderConfig]:
        found = [c for (p, _), c in self.data.integrations.items() if p == project_id]
        return sorted(found, key=lambda c: c.provider)

    async def put(self, config: ProviderConfig, now: datetime) -> None:
        self.data.integrations[(config.project_id, config.provider)] = config

    async def remove(self, project_id: str, provider: str) -> None:
        self.data.integrations.pop((project_id, provider), None)


#: the statuses a worker may claim an action in (an IN_PROGRESS one once its lease expired)
_WAITING = (AsyncStatus.ENQUEUED, AsyncStatus.IN_PROGRESS)


class InMemoryAsyncActionStore:
    def __init__(self, data: PipelineTables) -> None:
        self.data = data

    async def add(self, action: AsyncAction) -> None:
        insert_new(self.data.async_actions, action.id, action, "async_actions")

    async def update(self, action: AsyncAction) -> None:
        if action.id in self.data.async_actions:
            self.data.async_actions[action.id] = action

    async def get(self, project_id: str, action_id: str) -> AsyncAction | None:
        return owned_by(self.data.async_actions, project_id, action_id)

    async def list(
        self, project_id: str, limit: int, end_date: datetime | None
    ) -> Sequence[AsyncAction]:
        found = [
            a
            for a in self.data.async_actions.values()
            if a.project_id == project_id
            and a.type is not AsyncActionType.EXPORT
            and (end_date is None or a.created_at <= end_date)
        ]
        found.sort(key=lambda a: (a.created_at, a.id), reverse=True)
        return found[:limit]

    async def page_of_type(
        self, project_id: str, action_type: AsyncActionType, limit: int, page: int, newest: bool
    ) -> Page[AsyncAction]:
        found = [
            a
            for a in self.data.async_actions.values()
            if a.project_id == project_id and a.type is action_type
        ]
        found.sort(key=lambda a: a.created_at, reverse=newest)
        return paged(found, limit, page)

    async def remove(self, project_id: str, action_id: str) -> None:
        if owned_by(self.data.async_actions, project_id, action_id) is not None:
            del self.data.async_actions[action_id]

    async def claim_next(
        self, now: datetime, lease_until: datetime, token: str
    ) -> AsyncAction | None:
        waiting = [
            a
            for a in self.data.async_actions.values()
            if a.status in _WAITING and (a.lease_until is None or a.lease_until < now)
        ]
        oldest = min(waiting, key=lambda a: a.created_at, default=None)
        if oldest is None:
            return None
        claimed = replace(
            oldest,
            status=AsyncStatus.IN_PROGRESS,
            lease_until=lease_until,
            updated_at=now,
            lease_token=token,
        )
        self.data.async_actions[claimed.id] = claimed
        return claimed

    async def update_if_held(self, action: AsyncAction) -> bool:
        stored = self.data.async_actions.get(action.id)
        # As SQL's ``lease_token = :token``: no token (NULL) matches nothing.
        if stored is None or action.lease_token is None:
            return False
        if stored.lease_token != action.lease_token:
            return False
        self.data.async_actions[action.id] = action
        return True
