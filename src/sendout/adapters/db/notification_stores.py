"""The notifications store: the in-app list and the mailer's queue."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param, select_by_id
from sendout.domain.notifications import (
    EmailStatus,
    Notification,
    NotificationQuery,
    NotificationType,
)
from sendout.domain.ports import Page

_n = t.notifications.c
_BY_ID = select_by_id(t.notifications)
_UNREAD_SAME = (
    sa.select(_n.id)
    .where(
        _n.project_id == param("project_id"),
        _n.resource_id == param("resource_id"),
        _n.type == param("type"),
        _n.read_at.is_(None),
    )
    .limit(1)
)
_UNREAD_COUNT = (
    sa.select(sa.func.count())
    .select_from(t.notifications)
    .where(_n.project_id == param("project_id"), _n.read_at.is_(None))
)
_DUE_EMAILS = (
    sa.select(t.notifications)
    .where(
        _n.email_status == EmailStatus.PENDING.value,
        sa.or_(_n.email_next_at.is_(None), _n.email_next_at <= param("now")),
    )
    .order_by(_n.created_at)
    .limit(param("limit"))
    .with_for_update(skip_locked=True)
)


def _notification(row: sa.Row[Any]) -> Notification:
    m = dict(row._mapping)
    del m["email_next_at"], m["email_lease_token"]
    m["type"] = NotificationType(m["type"])
    m["email_status"] = EmailStatus(m["email_status"])
    return Notification(**m)


class SqlNotificationStore(SqlStore):
    async def add_unless_unread(self, notification: Notification) -> bool:
        same = await self._one(
            _UNREAD_SAME,
            project_id=notification.project_id,
            resource_id=notification.resource_id,
            type=notification.type.value,
        )
        if same is not None:
            return False
        await self._insert(
            t.notifications,
            {
                "id": notification.id,
                "project_id": notification.project_id,
                "type": notification.type.value,
                "title": notification.title,
                "message": notification.message,
                "resource_type": notification.resource_type,
                "resource_id": notification.resource_id,
                "details": dict(notification.details),
                "created_at": notification.created_at,
                "read_at": notification.read_at,
                "email_status": notification.email_status.value,
                "email_attempts": notification.email_attempts,
                "email_error": notification.email_error,
                "email_next_at": None,
                "email_lease_token": None,
            },
        )
        return True

    async def get(self, project_id: str, notification_id: str) -> Notification | None:
        row = await self._one(_BY_ID, project_id=project_id, id=notification_id)
        return None if row is None else _notification(row)

    async def list(self, project_id: str, query: NotificationQuery) -> Page[Notification]:
        conditions: list[sa.ColumnElement[bool]] = [_n.project_id == project_id]
        if query.unread is not None:
            conditions.append(_n.read_at.is_(None) if query.unread else _n.read_at.is_not(None))
        if query.type is not None:
            conditions.append(_n.type == query.type.value)
        return await self._paged(
            t.notifications,
            conditions,
            (_n.created_at.desc(), _n.id.desc()),
            query.limit,
            query.page,
            _notification,
        )

    async def unread_count(self, project_id: str) -> int:
        return int((await self._tx.execute(_UNREAD_COUNT, {"project_id": project_id})).scalar_one())

    async def mark_read(
        self, project_id: str, notification_ids: Collection[str] | None, now: datetime
    ) -> int:
        conditions = [_n.project_id == project_id, _n.read_at.is_(None)]
        if notification_ids is not None:
            conditions.append(_n.id.in_(list(notification_ids)))
        result = await self._tx.execute(
            t.notifications.update().where(*conditions).values(read_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def due_emails(self, now: datetime, limit: int) -> Sequence[Notification]:
        rows = await self._tx.execute(_DUE_EMAILS, {"now": now, "limit": limit})
        return [_notification(row) for row in rows]

    async def update_email(
        self, notification: Notification, next_attempt_at: datetime | None
    ) -> None:
        await self._tx.execute(
            t.notifications.update()
            .where(_n.id == notification.id)
            .values(
                email_status=notification.email_status.value,
                email_attempts=notification.email_attempts,
                email_error=notification.email_error,
                email_next_at=next_attempt_at,
            )
        )

    async def lease_email(self, notification_id: str, until: datetime, token: str) -> None:
        await self._tx.execute(
            t.notifications.update()
            .where(_n.id == notification_id)
            .values(email_next_at=until, email_lease_token=token)
        )

    async def report_email(
        self, notification: Notification, next_attempt_at: datetime | None, token: str
    ) -> bool:
        result = await self._tx.execute(
            t.notifications.update()
            .where(_n.id == notification.id, _n.email_lease_token == token)
            .values(
                email_status=notification.email_status.value,
                email_attempts=notification.email_attempts,
                email_error=notification.email_error,
                email_next_at=next_attempt_at,
                email_lease_token=None,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
