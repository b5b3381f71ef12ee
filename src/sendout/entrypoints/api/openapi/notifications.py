"""Response schemas: notifications (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Notification(TypedDict):
    """An operator notification (``ntf_...``): a failed send-out, a paused distribution,
    a disabled webhook, exhausted codes..."""

    id: str
    object: Literal["notification"]
    type: str | None
    title: str | None
    message: str | None
    resource: dict[str, Any] | None
    details: dict[str, Any] | None
    read: bool
    read_at: str | None
    email: dict[str, Any] | None
    created_at: str


class NotificationSettings(TypedDict):
    """Where alerts are also emailed (``alert_email``; none when null)."""

    object: Literal["notification_settings"]
    alert_email: str | None


class NotificationsRead(TypedDict):
    """How many notifications ``POST /v1/notifications/read`` marked read."""

    object: Literal["notifications_read"]
    marked: int | None
