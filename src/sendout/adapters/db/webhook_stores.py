"""The project webhooks store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.engine import Transaction
from sendout.adapters.db.store_helpers import SqlStore, param, select_by_id
from sendout.domain.ports import Page
from sendout.domain.webhooks import DISABLED_DELIVERY_FAILED, ProjectWebhook

_w = t.webhooks.c
_BY_ID = select_by_id(t.webhooks)
_SENDING = sa.select(t.webhooks).where(
    _w.project_id == param("project_id"),
    sa.or_(_w.active.is_(True), _w.disabled_reason == DISABLED_DELIVERY_FAILED),
)
_UPDATE = t.webhooks.update().where(_w.id == param("where_id"))


def _values(webhook: ProjectWebhook, box: SecretBox) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "project_id": webhook.project_id,
        "target_url": webhook.target_url,
        "events": list(webhook.events),
        "active": webhook.active,
        "disabled_reason": webhook.disabled_reason,
        "secret": box.seal(webhook.secret),
        "previous_secret": box.seal_optional(webhook.previous_secret),
        "secret_rotated_at": webhook.secret_rotated_at,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }


class SqlWebhookStore(SqlStore):
    def __init__(self, tx: Transaction, box: SecretBox = PLAIN) -> None:
        super().__init__(tx)
        self._box = box

    def _webhook(self, row: sa.Row[Any]) -> ProjectWebhook:
        m = dict(row._mapping)
        m["events"] = tuple(m["events"])
        m["secret"] = self._box.open(m["secret"])
        m["previous_secret"] = self._box.open_optional(m["previous_secret"])
        return ProjectWebhook(**m)

    async def add(self, webhook: ProjectWebhook) -> None:
        await self._insert(t.webhooks, _values(webhook, self._box))

    async def update(self, webhook: ProjectWebhook) -> None:
        await self._update(_UPDATE, _values(webhook, self._box), "webhooks", by_project=False)

    async def get(self, project_id: str, webhook_id: str) -> ProjectWebhook | None:
        row = await self._one(_BY_ID, project_id=project_id, id=webhook_id)
        return None if row is None else self._webhook(row)

    async def remove(self, project_id: str, webhook_id: str) -> None:
        await self._tx.execute(
            t.webhooks.delete().where(_w.project_id == project_id, _w.id == webhook_id)
        )

    async def list(self, project_id: str, limit: int, page: int) -> Page[ProjectWebhook]:
        ordering = (_w.created_at.desc(), _w.id.desc())
        return await self._paged(
            t.webhooks, [_w.project_id == project_id], ordering, limit, page, self._webhook
        )

    async def sending_for(self, project_id: str) -> Sequence[ProjectWebhook]:
        rows = await self._tx.execute(_SENDING, {"project_id": project_id})
        return [self._webhook(row) for row in rows]
