"""Notifications: what a project's people must hear about (DESIGN.md §7, seed 002).

Raised in the same transaction as what caused them (a distribution paused, a project webhook
disabled, a campaign out of codes), listed by ``GET /v1/notifications``, and, when SMTP is
configured, mailed to the project's alert address by the worker. A notification is not
raised again while an unread one says the same thing about the same resource, so an endpoint
that fails a thousand send-outs makes one notification, not a thousand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none


class NotificationType(StrEnum):
    #: retries ran out for a send-out; its distribution is paused until set live
    DISTRIBUTION_PAUSED = "distribution.paused"
    #: retries ran out for a project webhook's message; the webhook is disabled
    WEBHOOK_DISABLED = "webhook.disabled"
    #: a distribution could not publish: its campaign has no code left
    CODES_EXHAUSTED = "campaign.codes_exhausted"


class EmailStatus(StrEnum):
    #: waiting for a worker with SMTP configured (none: it stays in-app only)
    PENDING = "PENDING"
    SENT = "SENT"
    #: not mailed (no alert address, or too old when SMTP appeared); see email_error
    SKIPPED = "SKIPPED"
    #: the SMTP server refused it, retries included
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    id: str
    project_id: str
    type: NotificationType
    title: str
    message: str
    resource_type: str
    resource_id: str
    details: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime
    read_at: datetime | None = None
    email_status: EmailStatus = EmailStatus.PENDING
    email_attempts: int = 0
    email_error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationQuery:
    limit: int = 10
    page: int = 1
    unread: bool | None = None
    type: NotificationType | None = None


def notification_object(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "object": "notification",
        "type": notification.type.value,
        "title": notification.title,
        "message": notification.message,
        "resource": {"type": notification.resource_type, "id": notification.resource_id},
        "details": dict(notification.details),
        "read": notification.read_at is not None,
        "read_at": iso_or_none(notification.read_at),
        "email": {"status": notification.email_status.value, "error": notification.email_error},
        "created_at": iso(notification.created_at),
    }


def alert_email(notification: Notification, project_name: str) -> tuple[str, str]:
    """The subject and text of the email an alert address receives."""
    subject = f"[Sendout] {project_name}: {notification.title}"
    lines = [
        notification.message,
        "",
        f"{notification.resource_type}: {notification.resource_id}",
        *(f"{key}: {value}" for key, value in notification.details.items()),
        f"at: {iso(notification.created_at)}",
    ]
    return subject, "\n".join(lines) + "\n"
